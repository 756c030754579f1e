#pragma once
// The DiT block's normalisations and FFN activation, run by the fused CUDA kernels
// (kernels/fused_norms.h, cuBLASLt's GELU epilogue) where they apply and no gradient is recorded,
// and by the composite reference (wan_dit_layers, wan_rope) everywhere else and while
// blade::set_fused_kernels(false). Both do the same arithmetic; the fused ones keep the float32 /
// float64 intermediates in registers and round once, so the results differ by rounding only.

#include <torch/types.h>

namespace blade::models {

// LayerNorm (no affine) of the float32 residual stream x [B, L, C], then * (1 + scale) + shift
// (scale, shift [B, 1, C] float32), as out_dtype.
torch::Tensor modulated_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                             double eps, torch::Dtype out_dtype);

// LayerNorm of x [B, L, C] with weight and bias [C], as out_dtype.
torch::Tensor affine_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                          torch::Dtype out_dtype);

// The residual add that ends a sub-layer and the norm that starts the next one:
// x = residual_add(x, update, gate), then modulated_norm / affine_norm of the new x. On CUDA one kernel
// updates x in place and writes the norm in the same pass over the residual stream.
torch::Tensor add_then_modulated_norm(torch::Tensor& x, const torch::Tensor& update, const torch::Tensor& gate,
                                      const torch::Tensor& shift, const torch::Tensor& scale, double eps,
                                      torch::Dtype out_dtype);
torch::Tensor add_then_affine_norm(torch::Tensor& x, const torch::Tensor& update, const torch::Tensor& gate,
                                   const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                                   torch::Dtype out_dtype);

// The query / key path after the projection: RMS norm over all heads (float32, weight [C]), then,
// when rope_factors (complex128 [L, head_dim / 2]) is defined, the rotary embedding in float64;
// [B, L, C] as out_dtype.
torch::Tensor normed_query_key(const torch::Tensor& projected, const torch::Tensor& weight, double eps,
                               const torch::Tensor& rope_factors, int64_t head_dim, torch::Dtype out_dtype);

// normed_query_key split into heads: [B, C / head_dim, L, head_dim]. With heads_contiguous the fused
// kernel writes that layout in the same pass (block-sparse attention reads it without a copy);
// otherwise, and on the composite path, it is a view of the [B, L, C] result.
torch::Tensor normed_query_key_heads(const torch::Tensor& projected, const torch::Tensor& weight, double eps,
                                     const torch::Tensor& rope_factors, int64_t head_dim, torch::Dtype out_dtype,
                                     bool heads_contiguous);

// GELU(tanh)(x W^T + b) with W, b in x's dtype, x [..., in]; on CUDA one cuBLASLt call with the
// activation in its epilogue.
torch::Tensor linear_gelu_tanh(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace blade::models
