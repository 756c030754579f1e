#include "kernels/fused_norms.h"

#include "asa_cuda_checks.h"
#include "core/error.h"
#include "core/tensor_format.h"
#include "norm_launch.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <cmath>
#include <cstdint>

namespace blade::kernels {
namespace {

using detail::NormElement;

bool norm_dtype(const torch::Tensor& t) {
  const auto type = t.scalar_type();
  return type == torch::kFloat32 || type == torch::kBFloat16 || type == torch::kFloat16;
}

NormElement norm_element(torch::Dtype type) {
  if (type == torch::kFloat32) return NormElement::Float32;
  if (type == torch::kBFloat16) return NormElement::BFloat16;
  if (type == torch::kFloat16) return NormElement::Float16;
  fail(ErrorKind::Internal, "fused norms take float32, bfloat16 or float16, got {}", c10::toString(type));
}

bool aligned16(const torch::Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 == 0; }

bool same_cuda_device(const torch::Tensor& a, const torch::Tensor& b) {
  return b.defined() && b.is_cuda() && b.device() == a.device();
}

// Elements per 16-byte vector of the row kernels.
int64_t vector_width(const torch::Tensor& t) { return 16 / static_cast<int64_t>(t.element_size()); }

}  // namespace

bool channel_rms_norm_applies(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& bias) {
  if (!x.defined() || !x.is_cuda() || x.dim() != 5 || !norm_dtype(x) || x.numel() == 0) return false;
  const auto per_channel = [&](const torch::Tensor& t) {
    return same_cuda_device(x, t) && t.scalar_type() == x.scalar_type() && t.numel() == x.size(1);
  };
  if (!per_channel(gamma) || (bias.defined() && !per_channel(bias))) return false;
  const bool planes_contiguous = x.stride(4) == 1 && (x.size(3) == 1 || x.stride(3) == x.size(4));
  return planes_contiguous && x.size(0) * x.size(2) <= 65535;
}

torch::Tensor channel_rms_norm_cuda(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& bias,
                                    bool silu) {
  if (!channel_rms_norm_applies(x, gamma, bias)) {
    fail(ErrorKind::Internal, "channel RMS norm kernel: expected x [B, C, T, H, W] on a GPU with rows of H x W "
         "contiguous and B x T <= 65535, and gamma / bias of C values of its dtype on its device; got x {} {} on {} "
         "(strides {}), gamma of {} {} values, bias {}", shape_string(x.sizes()), c10::toString(x.scalar_type()),
         x.device().str(), shape_string(x.strides()), gamma.numel(), c10::toString(gamma.scalar_type()),
         bias.defined() ? fmt::format("of {} {} values", bias.numel(), c10::toString(bias.scalar_type()))
                        : std::string("none"));
  }
  const c10::cuda::CUDAGuard guard(x.device());
  auto out = torch::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  const auto gamma_values = gamma.contiguous();
  const auto bias_values = bias.defined() ? bias.contiguous() : torch::Tensor();
  detail::ChannelRmsNormParams p;
  p.x = x.data_ptr();
  p.out = out.data_ptr();
  p.gamma = gamma_values.data_ptr();
  p.bias = bias_values.defined() ? bias_values.data_ptr() : nullptr;
  p.batch = x.size(0);
  p.channels = x.size(1);
  p.frames = x.size(2);
  p.positions = x.size(3) * x.size(4);
  p.x_batch_stride = x.stride(0);
  p.x_channel_stride = x.stride(1);
  p.x_frame_stride = x.stride(2);
  p.scale = static_cast<float>(std::sqrt(static_cast<double>(x.size(1))));
  p.silu = silu;
  detail::check_launch(detail::launch_channel_rms_norm(p, norm_element(x.scalar_type()),
                                                       at::cuda::getCurrentCUDAStream()),
                       "Wan-VAE channel RMS norm");
  return out;
}

bool rms_norm_rope_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& rope,
                           int64_t head_dim) {
  if (!x.defined() || !x.is_cuda() || x.dim() != 3 || !norm_dtype(x) || !x.is_contiguous() || !aligned16(x)) return false;
  const int64_t channels = x.size(2), width = vector_width(x);
  if (x.numel() == 0 || channels % width != 0 || channels > INT32_MAX) return false;
  if (!same_cuda_device(x, weight) || weight.scalar_type() != torch::kFloat32 || weight.numel() != channels ||
      !weight.is_contiguous()) {
    return false;
  }
  // head_dim matters with RoPE and for the heads-major output; either way whole vectors stay in one head.
  if (head_dim <= 0 || head_dim % width != 0 || channels % head_dim != 0) return false;
  if (!rope.defined()) return true;
  return same_cuda_device(x, rope) && rope.scalar_type() == torch::kComplexDouble && rope.is_contiguous() &&
         aligned16(rope) && rope.dim() == 2 && rope.size(0) == x.size(1) && rope.size(1) == head_dim / 2;
}

torch::Tensor rms_norm_rope_cuda(const torch::Tensor& x, const torch::Tensor& weight, double eps,
                                 const torch::Tensor& rope, int64_t head_dim, bool heads_major,
                                 RmsNormRopeKernel kernel) {
  if (!rms_norm_rope_applies(x, weight, rope, head_dim)) {
    fail(ErrorKind::Internal, "RMS norm + RoPE kernel: expected contiguous, 16-byte aligned x [B, L, C] on a GPU (C "
         "and head_dim {} multiples of 16 bytes, C of head_dim), contiguous float32 weight [C] and contiguous complex128 "
         "rope [L, {}] on its device; got x {} {} on {}, weight of {} {} values on {}, rope {}", head_dim,
         head_dim / 2, shape_string(x.sizes()), c10::toString(x.scalar_type()), x.device().str(), weight.numel(),
         c10::toString(weight.scalar_type()), weight.device().str(),
         rope.defined() ? fmt::format("{} {} on {}", shape_string(rope.sizes()), c10::toString(rope.scalar_type()),
                                      rope.device().str())
                        : std::string("none"));
  }
  const c10::cuda::CUDAGuard guard(x.device());
  auto out = heads_major ? torch::empty({x.size(0), x.size(2) / head_dim, x.size(1), head_dim}, x.options())
                         : torch::empty_like(x);
  detail::RmsNormRopeParams p;
  p.x = x.data_ptr();
  p.out = out.data_ptr();
  p.weight = weight.data_ptr<float>();
  p.rope = rope.defined() ? static_cast<const double*>(rope.data_ptr()) : nullptr;
  p.rows = x.size(0) * x.size(1);
  p.tokens = x.size(1);
  p.channels = static_cast<int>(x.size(2));
  p.head_dim = static_cast<int>(head_dim);
  p.eps = static_cast<float>(eps);
  p.heads_major = heads_major;
  detail::check_launch(detail::launch_rms_norm_rope(p, norm_element(x.scalar_type()), kernel, at::cuda::getCurrentCUDAStream()),
                       "Wan DiT query / key norm");
  return out;
}

namespace {

// scale / shift as [C] or [B or 1, 1, C] with unit channel stride; the batch stride, or -1 if unusable.
int64_t affine_batch_stride(const torch::Tensor& t, const torch::Tensor& x) {
  if (!same_cuda_device(x, t) || t.scalar_type() != torch::kFloat32) return -1;
  const int64_t channels = x.size(2);
  if (t.dim() == 1) return t.size(0) == channels && t.stride(0) == 1 ? 0 : -1;
  if (t.dim() != 3 || t.size(1) != 1 || t.size(2) != channels || t.stride(2) != 1) return -1;
  if (t.size(0) == 1) return 0;
  return t.size(0) == x.size(0) ? t.stride(0) : -1;
}

void fill_layer_norm(detail::LayerNormAffineParams& p, const torch::Tensor& x, const torch::Tensor& scale,
                     const torch::Tensor& shift, double eps, bool one_plus_scale, torch::Tensor& out) {
  p.x = x.data_ptr<float>();
  p.out = out.data_ptr();
  p.scale = scale.data_ptr<float>();
  p.shift = shift.data_ptr<float>();
  p.rows = x.size(0) * x.size(1);
  p.tokens = x.size(1);
  p.scale_batch_stride = affine_batch_stride(scale, x);
  p.shift_batch_stride = affine_batch_stride(shift, x);
  p.channels = static_cast<int>(x.size(2));
  p.eps = static_cast<float>(eps);
  p.one_plus_scale = one_plus_scale;
}

}  // namespace

bool layer_norm_affine_applies(const torch::Tensor& x, const torch::Tensor& scale, const torch::Tensor& shift,
                               torch::Dtype out_dtype) {
  const bool known_output = out_dtype == torch::kFloat32 || out_dtype == torch::kBFloat16 || out_dtype == torch::kFloat16;
  if (!known_output || !x.defined() || !x.is_cuda() || x.dim() != 3 || x.scalar_type() != torch::kFloat32 || !x.is_contiguous() ||
      !aligned16(x) || x.numel() == 0 || x.size(2) % 4 != 0 || x.size(2) > INT32_MAX) {
    return false;
  }
  return affine_batch_stride(scale, x) >= 0 && affine_batch_stride(shift, x) >= 0;
}

torch::Tensor layer_norm_affine_cuda(const torch::Tensor& x, const torch::Tensor& scale, const torch::Tensor& shift,
                                     double eps, bool one_plus_scale, torch::Dtype out_dtype) {
  if (!layer_norm_affine_applies(x, scale, shift, out_dtype)) {
    fail(ErrorKind::Internal, "LayerNorm + affine kernel: expected contiguous, 16-byte aligned float32 x [B, L, C] on "
         "a GPU (C a multiple of 4), float32 scale / shift [C] or [B or 1, 1, C] with unit channel stride on its "
         "device, and a float32 / bfloat16 / float16 output; got x {} {} on {}, scale {} {} on {}, shift {} {} on {}, "
         "output {}", shape_string(x.sizes()), c10::toString(x.scalar_type()), x.device().str(),
         shape_string(scale.sizes()), c10::toString(scale.scalar_type()), scale.device().str(),
         shape_string(shift.sizes()), c10::toString(shift.scalar_type()), shift.device().str(),
         c10::toString(out_dtype));
  }
  const c10::cuda::CUDAGuard guard(x.device());
  auto out = torch::empty(x.sizes(), x.options().dtype(out_dtype));
  detail::LayerNormAffineParams p;
  fill_layer_norm(p, x, scale, shift, eps, one_plus_scale, out);
  detail::check_launch(detail::launch_layer_norm_affine(p, norm_element(out_dtype), at::cuda::getCurrentCUDAStream()),
                       "Wan DiT LayerNorm");
  return out;
}

bool residual_layer_norm_affine_applies(const torch::Tensor& x, const torch::Tensor& residual, const torch::Tensor& gate,
                                        const torch::Tensor& scale, const torch::Tensor& shift, torch::Dtype out_dtype) {
  if (!layer_norm_affine_applies(x, scale, shift, out_dtype)) return false;
  if (!same_cuda_device(x, residual) || residual.scalar_type() != out_dtype || residual.sizes() != x.sizes() ||
      !residual.is_contiguous() || !aligned16(residual)) {
    return false;
  }
  return !gate.defined() || affine_batch_stride(gate, x) >= 0;
}

torch::Tensor residual_layer_norm_affine_cuda(torch::Tensor& x, const torch::Tensor& residual, const torch::Tensor& gate,
                                              const torch::Tensor& scale, const torch::Tensor& shift, double eps,
                                              bool one_plus_scale, torch::Dtype out_dtype) {
  if (!residual_layer_norm_affine_applies(x, residual, gate, scale, shift, out_dtype)) {
    fail(ErrorKind::Internal, "residual add + LayerNorm kernel: expected what the LayerNorm kernel takes, plus a "
         "contiguous, 16-byte aligned residual shaped like x in the output dtype and a float32 gate like scale (or "
         "none); got x {} {}, residual {} {} on {}, gate {}, output {}", shape_string(x.sizes()),
         c10::toString(x.scalar_type()), shape_string(residual.sizes()), c10::toString(residual.scalar_type()),
         residual.device().str(),
         gate.defined() ? fmt::format("{} {}", shape_string(gate.sizes()), c10::toString(gate.scalar_type()))
                        : std::string("none"),
         c10::toString(out_dtype));
  }
  const c10::cuda::CUDAGuard guard(x.device());
  auto out = torch::empty(x.sizes(), x.options().dtype(out_dtype));
  detail::LayerNormAffineParams p;
  p.updated_x = x.data_ptr<float>();
  p.residual = residual.data_ptr();
  p.gate = gate.defined() ? gate.data_ptr<float>() : nullptr;
  p.gate_batch_stride = gate.defined() ? affine_batch_stride(gate, x) : 0;
  fill_layer_norm(p, x, scale, shift, eps, one_plus_scale, out);
  detail::check_launch(detail::launch_layer_norm_affine(p, norm_element(out_dtype), at::cuda::getCurrentCUDAStream()),
                       "Wan DiT residual add + LayerNorm");
  // x changed in place behind autograd's back: its version moves on as after any in-place op.
  if (!x.is_inference()) x.unsafeGetTensorImpl()->bump_version();
  return out;
}

}  // namespace blade::kernels
