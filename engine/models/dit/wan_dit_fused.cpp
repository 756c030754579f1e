#include "models/dit/wan_dit_fused.h"

#include "core/fused_kernels.h"
#include "models/dit/wan_dit_layers.h"
#include "models/dit/wan_rope.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <initializer_list>

#ifdef BLADE_HAVE_CUDA_KERNELS
#include "kernels/fused_norms.h"
#endif

namespace blade::models {
namespace {

// The fused paths have no backward: they run only where autograd records nothing.
bool fused_allowed(std::initializer_list<const torch::Tensor*> tensors) {
  if (!fused_kernels_enabled()) return false;
  if (!torch::GradMode::is_enabled()) return true;
  for (const auto* t : tensors) {
    if (t->defined() && t->requires_grad()) return false;
  }
  return true;
}

}  // namespace

torch::Tensor modulated_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                             double eps, torch::Dtype out_dtype) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (fused_allowed({&x, &shift, &scale}) && kernels::layer_norm_affine_applies(x, scale, shift, out_dtype)) {
    return kernels::layer_norm_affine_cuda(x, scale, shift, eps, /*one_plus_scale=*/true, out_dtype);
  }
#endif
  return modulated_layer_norm(x, shift, scale, eps).to(out_dtype);
}

torch::Tensor affine_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                          torch::Dtype out_dtype) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (fused_allowed({&x, &weight, &bias}) && kernels::layer_norm_affine_applies(x, weight, bias, out_dtype)) {
    return kernels::layer_norm_affine_cuda(x, weight, bias, eps, /*one_plus_scale=*/false, out_dtype);
  }
#endif
  return at::layer_norm(x, {x.size(-1)}, weight, bias, eps).to(out_dtype);
}

torch::Tensor add_then_modulated_norm(torch::Tensor& x, const torch::Tensor& update, const torch::Tensor& gate,
                                      const torch::Tensor& shift, const torch::Tensor& scale, double eps,
                                      torch::Dtype out_dtype) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (fused_allowed({&x, &update, &gate, &shift, &scale}) &&
      kernels::residual_layer_norm_affine_applies(x, update, gate, scale, shift, out_dtype)) {
    return kernels::residual_layer_norm_affine_cuda(x, update, gate, scale, shift, eps, /*one_plus_scale=*/true,
                                                    out_dtype);
  }
#endif
  x = residual_add(x, update, gate);
  return modulated_norm(x, shift, scale, eps, out_dtype);
}

torch::Tensor add_then_affine_norm(torch::Tensor& x, const torch::Tensor& update, const torch::Tensor& gate,
                                   const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                                   torch::Dtype out_dtype) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (fused_allowed({&x, &update, &gate, &weight, &bias}) &&
      kernels::residual_layer_norm_affine_applies(x, update, gate, weight, bias, out_dtype)) {
    return kernels::residual_layer_norm_affine_cuda(x, update, gate, weight, bias, eps, /*one_plus_scale=*/false,
                                                    out_dtype);
  }
#endif
  x = residual_add(x, update, gate);
  return affine_norm(x, weight, bias, eps, out_dtype);
}

torch::Tensor normed_query_key(const torch::Tensor& projected, const torch::Tensor& weight, double eps,
                               const torch::Tensor& rope_factors, int64_t head_dim, torch::Dtype out_dtype) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (projected.scalar_type() == out_dtype && fused_allowed({&projected, &weight}) &&
      kernels::rms_norm_rope_applies(projected, weight, rope_factors, head_dim)) {
    return kernels::rms_norm_rope_cuda(projected, weight, eps, rope_factors, head_dim);
  }
#endif
  const auto normed = at::rms_norm(projected.to(torch::kFloat32), {projected.size(-1)}, weight, eps);
  if (!rope_factors.defined()) return normed.to(out_dtype);
  const auto sizes = projected.sizes();
  const auto heads = normed.view({sizes[0], sizes[1], sizes[2] / head_dim, head_dim});
  return apply_wan_rope(heads, rope_factors, out_dtype).view(sizes);
}

torch::Tensor normed_query_key_heads(const torch::Tensor& projected, const torch::Tensor& weight, double eps,
                                     const torch::Tensor& rope_factors, int64_t head_dim, torch::Dtype out_dtype,
                                     bool heads_contiguous) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (heads_contiguous && projected.scalar_type() == out_dtype && fused_allowed({&projected, &weight}) &&
      kernels::rms_norm_rope_applies(projected, weight, rope_factors, head_dim)) {
    return kernels::rms_norm_rope_cuda(projected, weight, eps, rope_factors, head_dim, /*heads_major=*/true);
  }
#endif
  const auto normed = normed_query_key(projected, weight, eps, rope_factors, head_dim, out_dtype);
  return normed.view({normed.size(0), normed.size(1), normed.size(2) / head_dim, head_dim}).transpose(1, 2);
}

torch::Tensor linear_gelu_tanh(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const auto input = x.to(weight.scalar_type());
  // Under autocast at::linear runs in bf16 while _addmm_activation would keep the weights' dtype.
  if (input.is_cuda() && input.dim() >= 2 && !at::autocast::is_autocast_enabled(at::kCUDA) &&
      fused_allowed({&input, &weight, &bias})) {
    const auto flat = input.reshape({-1, input.size(-1)});
    // Its CUDA path puts the bias and GELU(tanh) in cuBLASLt's epilogue (addmm + gelu where it cannot).
    auto out_sizes = input.sizes().vec();
    out_sizes.back() = weight.size(0);
    return at::_addmm_activation(bias, flat, weight.t(), 1, 1, /*use_gelu=*/true).view(out_sizes);
  }
  return at::gelu(at::linear(input, weight, bias), "tanh");
}

}  // namespace blade::models
