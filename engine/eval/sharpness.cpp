#include "eval/sharpness.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <algorithm>
#include <limits>

namespace blade::eval {

double gradient_energy(const torch::Tensor& clip) {
  const torch::Tensor c = clip.to(torch::kFloat64);
  const int64_t h = c.dim() - 2, w = c.dim() - 1;
  const double dx = (c.narrow(w, 1, c.size(w) - 1) - c.narrow(w, 0, c.size(w) - 1)).square().mean().item<double>();
  const double dy = (c.narrow(h, 1, c.size(h) - 1) - c.narrow(h, 0, c.size(h) - 1)).square().mean().item<double>();
  return dx + dy;
}

Sharpness sharpness_against(const torch::Tensor& clip, const torch::Tensor& reference) {
  if (clip.sizes() != reference.sizes() || clip.dim() < 2) {
    fail(ErrorKind::InvalidArgument, "expected two clips of the same shape for sharpness, got {} and {}",
         shape_string(clip.sizes()), shape_string(reference.sizes()));
  }
  const double energy = gradient_energy(clip), reference_energy = gradient_energy(reference);
  Sharpness result;
  if (reference_energy <= 1e-12) {
    result.ratio = energy <= 1e-12 ? 1.0 : std::numeric_limits<double>::infinity();
    result.score = energy <= 1e-12 ? 1.0 : 0.0;
    return result;
  }
  result.ratio = energy / reference_energy;
  result.score = result.ratio > 0 ? std::min(result.ratio, 1.0 / result.ratio) : 0.0;
  return result;
}

}  // namespace blade::eval
