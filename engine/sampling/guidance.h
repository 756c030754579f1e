#pragma once
// Classifier-free guidance on the two velocity predictions of one step.

#include <torch/types.h>

namespace blade::sampling {

// v_uncond + guidance (v_cond - v_uncond). Throws InvalidArgument for shapes that differ or a
// guidance that is not finite.
torch::Tensor apply_guidance(const torch::Tensor& v_cond, const torch::Tensor& v_uncond, double guidance);

}  // namespace blade::sampling
