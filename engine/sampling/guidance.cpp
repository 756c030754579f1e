#include "sampling/guidance.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <cmath>

namespace blade::sampling {

torch::Tensor apply_guidance(const torch::Tensor& v_cond, const torch::Tensor& v_uncond, double guidance) {
  if (!std::isfinite(guidance)) {
    fail(ErrorKind::InvalidArgument, "guidance scale must be a finite number, got {}", guidance);
  }
  if (!v_cond.defined() || !v_uncond.defined()) {
    fail(ErrorKind::InvalidArgument, "guidance: the {} prediction is an undefined tensor",
         v_cond.defined() ? "unconditional" : "conditional");
  }
  if (v_cond.sizes() != v_uncond.sizes()) {
    fail(ErrorKind::InvalidArgument, "guidance: conditional prediction shape {} differs from the unconditional {}",
         shape_string(v_cond.sizes()), shape_string(v_uncond.sizes()));
  }
  // The operation order of diffusers' WanPipeline, so results match it bit for bit.
  return v_uncond + guidance * (v_cond - v_uncond);
}

}  // namespace blade::sampling
