#pragma once
// The judge works on the CPU in display units: clips come in the VAE's convention ([3, F, H, W] or
// [1, 3, F, H, W] in [-1, 1], any device and float dtype) and are turned into [3, F, H, W] float32 in
// [0, 1].

#include <torch/types.h>

namespace blade::eval {

// Throws InvalidArgument for any other layout.
torch::Tensor unit_frames(const torch::Tensor& video);

}  // namespace blade::eval
