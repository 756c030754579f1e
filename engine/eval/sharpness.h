#pragma once
// Sharpness as gradient energy relative to a reference rendering: a blurred clip has less, a noisy
// one more. The judge uses the world's renderer at the recovered poses as the reference.

#include <torch/types.h>

namespace blade::eval {

// Mean squared forward difference along x plus along y, over all frames and channels.
// clip: [..., H, W].
double gradient_energy(const torch::Tensor& clip);

struct Sharpness {
  double ratio = 1.0;  // energy(clip) / energy(reference)
  double score = 1.0;  // min(ratio, 1 / ratio): 1 when equal, towards 0 when blurred or noisy
};

// Clips of the same shape, in the same units.
Sharpness sharpness_against(const torch::Tensor& clip, const torch::Tensor& reference);

}  // namespace blade::eval
