#pragma once
// Launch parameters of the fused normalisation kernels (norm_kernels.cu), shared with their C++
// wrappers (fused_norms.cpp). Plain types only: the .cu file does not include LibTorch.

#include "asa_launch.h"
#include "kernels/rms_norm_rope_kernel.h"

#include <cstdint>

namespace blade::kernels::detail {

enum class NormElement { Float32, BFloat16, Float16 };

// Wan-VAE RMS norm over the channels of a [batch, channels, frames, positions] tensor (positions =
// height x width, contiguous): out = x / max(||x||, 1e-12) * gamma * scale (+ bias), then SiLU if
// asked. x may be a strided view (batch, channel and frame strides in elements); out is contiguous.
// gamma and bias have x's element type.
struct ChannelRmsNormParams {
  const void* x = nullptr;
  void* out = nullptr;
  const void* gamma = nullptr;  // [channels]
  const void* bias = nullptr;   // [channels] or null
  int64_t batch = 0, channels = 0, frames = 0, positions = 0;
  int64_t x_batch_stride = 0, x_channel_stride = 0, x_frame_stride = 0;
  float scale = 1.0f;
  bool silu = false;
};
LaunchStatus launch_channel_rms_norm(const ChannelRmsNormParams& p, NormElement type, cudaStream_t stream);

// Wan DiT query / key normalisation: RMS norm over each row of x [rows, channels] (fp32 arithmetic,
// weight float32), then, when rope is set, the rotary embedding of each head_dim-wide head with the
// float64 factors rope[token][pair] = (cos, sin), token = row % tokens - the original's float64
// rotation, rounded once to x's type.
struct RmsNormRopeParams {
  const void* x = nullptr;
  void* out = nullptr;
  const float* weight = nullptr;  // [channels]
  const double* rope = nullptr;   // [tokens, head_dim / 2, 2] or null
  int64_t rows = 0, tokens = 0;
  int channels = 0, head_dim = 0;
  float eps = 0.0f;
  // false: out is [rows, channels] like x. true: out is [batch, channels / head_dim, tokens, head_dim]
  // (heads contiguous, what block-sparse attention reads), written without a second pass.
  bool heads_major = false;
  bool vector_weight = false;  // set by the launcher: weight allows 16-byte loads
};
LaunchStatus launch_rms_norm_rope(const RmsNormRopeParams& p, NormElement type, kernels::RmsNormRopeKernel kernel,
                                  cudaStream_t stream);

// Wan DiT LayerNorm of the float32 residual stream x [rows, channels] followed by a per-batch affine
// map: out = normed * (scale (+ 1)) + shift, written as out_type. scale, shift and gate rows are
// chosen by batch = row / tokens with the given strides (0: one row for all).
// With residual set, the row is first advanced, x + residual (* gate), written to updated_x (which
// may be x itself), and that sum is what gets normalised: the block's residual add and the next
// norm in one pass over the stream. residual has out_type's element type; gate null: plain add.
struct LayerNormAffineParams {
  const float* x = nullptr;
  void* out = nullptr;
  const float* scale = nullptr;
  const float* shift = nullptr;
  const void* residual = nullptr;
  const float* gate = nullptr;
  float* updated_x = nullptr;
  int64_t rows = 0, tokens = 0;
  int64_t scale_batch_stride = 0, shift_batch_stride = 0, gate_batch_stride = 0;
  int channels = 0;
  float eps = 0.0f;
  bool one_plus_scale = false;
  bool vector_affine = false;  // set by the launcher: scale, shift and gate allow 16-byte loads
};
LaunchStatus launch_layer_norm_affine(const LayerNormAffineParams& p, NormElement out_type, cudaStream_t stream);

}  // namespace blade::kernels::detail
