#include "models/dit/wan_rope.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

namespace blade::models {
namespace {

constexpr double kTheta = 10000.0;

// [n, axis_dim / 2] angles pos * theta^(-2j / axis_dim), float64.
torch::Tensor axis_angles(int64_t positions, int64_t axis_dim, torch::Device device) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  const auto exponents = torch::arange(0, axis_dim, 2, f64) / static_cast<double>(axis_dim);
  const auto frequencies = torch::pow(kTheta, -exponents);
  return torch::outer(torch::arange(positions, f64), frequencies);
}

}  // namespace

std::array<int64_t, 3> wan_rope_axis_dims(int64_t head_dim) {
  const int64_t spatial = 2 * (head_dim / 6);
  return {head_dim - 2 * spatial, spatial, spatial};
}

torch::Tensor wan_rope_factors(const std::array<int64_t, 3>& grid, int64_t head_dim, torch::Device device) {
  if (head_dim <= 0 || head_dim % 2 != 0) fail(ErrorKind::Internal, "RoPE head size {} must be even", head_dim);
  const auto dims = wan_rope_axis_dims(head_dim);
  const auto [frames, height, width] = grid;
  const auto t = axis_angles(frames, dims[0], device).view({frames, 1, 1, -1}).expand({frames, height, width, -1});
  const auto h = axis_angles(height, dims[1], device).view({1, height, 1, -1}).expand({frames, height, width, -1});
  const auto w = axis_angles(width, dims[2], device).view({1, 1, width, -1}).expand({frames, height, width, -1});
  const auto angles = torch::cat({t, h, w}, -1).reshape({frames * height * width, head_dim / 2});
  return torch::polar(torch::ones_like(angles), angles);
}

torch::Tensor apply_wan_rope(const torch::Tensor& x, const torch::Tensor& factors, torch::Dtype out_dtype) {
  if (x.dim() != 4 || factors.dim() != 2 || x.size(1) != factors.size(0) || x.size(3) != 2 * factors.size(1)) {
    fail(ErrorKind::Internal, "RoPE expects x [batch, tokens, heads, head_dim] and factors [tokens, head_dim/2], got {} "
         "and {}", shape_string(x.sizes()), shape_string(factors.sizes()));
  }
  const auto sizes = x.sizes();
  const auto pairs = x.to(torch::kFloat64).contiguous().view({sizes[0], sizes[1], sizes[2], sizes[3] / 2, 2});
  const auto rotated = torch::view_as_complex(pairs) * factors.view({1, sizes[1], 1, sizes[3] / 2});
  return torch::view_as_real(rotated).view(sizes).to(out_dtype);
}

torch::Tensor wan_timestep_sinusoid(const torch::Tensor& timestep, int64_t freq_dim) {
  const int64_t half = freq_dim / 2;
  const auto t = timestep.to(torch::kFloat64).reshape({-1});
  const auto exponents = torch::arange(half, t.options()) / static_cast<double>(half);
  const auto angles = torch::outer(t, torch::pow(kTheta, -exponents));
  return torch::cat({torch::cos(angles), torch::sin(angles)}, 1);
}

}  // namespace blade::models
