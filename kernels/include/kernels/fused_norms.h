#pragma once
// Fused CUDA normalisations of the Wan models (norm_kernels.cu), forward only: callers use them where
// no gradient is needed and keep the composite ATen version as the reference and the fallback.
// Each *_applies says whether the kernel takes the tensors (CUDA, dtype, layout, alignment).

#include "kernels/rms_norm_rope_kernel.h"

#include <torch/types.h>

namespace blade::kernels {

// Wan-VAE RMS norm over dim 1 of x [B, C, T, H, W] (H x W contiguous; other strides free):
// x / max(||x||_C, 1e-12) * gamma * sqrt(C) (+ bias), then SiLU when `silu`. gamma and bias hold
// C values (any shape) of x's dtype. Returns a contiguous tensor like x.
bool channel_rms_norm_applies(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& bias);
torch::Tensor channel_rms_norm_cuda(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& bias,
                                    bool silu);

// Wan DiT query / key normalisation of x [B, L, C] (the projection's output): RMS norm over C with
// float32 weight [C], then - when rope is defined - the rotary embedding of each head_dim-wide head
// with the complex128 factors rope [L, head_dim / 2]. Returns [B, L, C] of x's dtype, or with
// heads_major the contiguous [B, C / head_dim, L, head_dim] (the heads split off in the same pass).
// `kernel` is for tests and benchmarks; every choice gives the same values.
bool rms_norm_rope_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& rope,
                           int64_t head_dim);
torch::Tensor rms_norm_rope_cuda(const torch::Tensor& x, const torch::Tensor& weight, double eps,
                                 const torch::Tensor& rope, int64_t head_dim, bool heads_major = false,
                                 RmsNormRopeKernel kernel = RmsNormRopeKernel::Automatic);

// LayerNorm (no affine) of the float32 x [B, L, C], then * scale (+ 1 when one_plus_scale) + shift,
// with scale and shift float32 [B, 1, C] or [C] (views with unit channel stride are fine), written
// as out_dtype.
bool layer_norm_affine_applies(const torch::Tensor& x, const torch::Tensor& scale, const torch::Tensor& shift,
                               torch::Dtype out_dtype);
torch::Tensor layer_norm_affine_cuda(const torch::Tensor& x, const torch::Tensor& scale, const torch::Tensor& shift,
                                     double eps, bool one_plus_scale, torch::Dtype out_dtype);

// The block's residual add fused with the LayerNorm that follows it: x += residual (* gate), in place,
// then layer_norm_affine_cuda of the new x, in one pass. residual [B, L, C] contiguous of out_dtype,
// gate float32 [B or 1, 1, C] or [C] like scale, or undefined for a plain add.
bool residual_layer_norm_affine_applies(const torch::Tensor& x, const torch::Tensor& residual, const torch::Tensor& gate,
                                        const torch::Tensor& scale, const torch::Tensor& shift, torch::Dtype out_dtype);
torch::Tensor residual_layer_norm_affine_cuda(torch::Tensor& x, const torch::Tensor& residual, const torch::Tensor& gate,
                                              const torch::Tensor& scale, const torch::Tensor& shift, double eps,
                                              bool one_plus_scale, torch::Dtype out_dtype);

}  // namespace blade::kernels
