#pragma once
// Wan's 3D rotary position embedding and sinusoidal timestep embedding, both in float64 like the
// original Wan2.1 code.

#include <torch/types.h>

#include <array>
#include <cstdint>

namespace blade::models {

// Real head dims per axis (t, h, w): d - 4*(d/6), 2*(d/6), 2*(d/6) (d = 128: 44/42/42).
std::array<int64_t, 3> wan_rope_axis_dims(int64_t head_dim);

// Rotation factors exp(i * pos_axis * 10000^(-2j / d_axis)) for every token of a (frames, height,
// width) grid, tokens in the order f*(H*W) + h*W + w: complex128 [tokens, head_dim / 2].
torch::Tensor wan_rope_factors(const std::array<int64_t, 3>& grid, int64_t head_dim, torch::Device device);

// x: [batch, tokens, heads, head_dim]; each consecutive pair (x[2i], x[2i+1]) is rotated as the
// complex number x[2i] + i x[2i+1], in float64. Returns a contiguous tensor of `out_dtype`.
torch::Tensor apply_wan_rope(const torch::Tensor& x, const torch::Tensor& factors, torch::Dtype out_dtype);

// timestep [batch] -> [batch, freq_dim] float64: [cos(t w_k), sin(t w_k)], w_k = 10000^(-k / (freq_dim/2)).
torch::Tensor wan_timestep_sinusoid(const torch::Tensor& timestep, int64_t freq_dim);

}  // namespace blade::models
