#include "models/dit/wan_dit_layers.h"

#include <torch/torch.h>

namespace blade::models {

torch::Tensor WanDiTPlacement::make(at::IntArrayRef shape, bool matmul) const {
  const auto options = torch::TensorOptions().device(device).dtype(matmul ? compute_dtype : torch::kFloat32);
  return zero_fill ? torch::zeros(shape, options) : torch::empty(shape, options);
}

WanLinearImpl::WanLinearImpl(int64_t in_features, int64_t out_features, const WanDiTPlacement& placement, bool matmul)
    : matmul_(matmul),
      weight_(register_parameter("weight", placement.make({out_features, in_features}, matmul), false)),
      bias_(register_parameter("bias", placement.make({out_features}, matmul), false)) {}

torch::Tensor WanLinearImpl::forward(const torch::Tensor& x) const {
  const auto input = x.to(weight_.scalar_type());
  auto y = at::linear(input, weight_, bias_);
  if (lora_down_.defined()) y = y.add(at::linear(at::linear(input, lora_down_), lora_up_), lora_scale_);
  return y;
}

void WanLinearImpl::set_low_rank_update(torch::Tensor down, torch::Tensor up, double scale) {
  const auto options = weight_.options();
  lora_down_ = down.to(options);
  lora_up_ = up.to(options);
  lora_scale_ = scale;
}

void WanLinearImpl::clear_low_rank_update() {
  lora_down_ = torch::Tensor();
  lora_up_ = torch::Tensor();
  lora_scale_ = 0.0;
}

void WanLinearImpl::merge_low_rank_update(const torch::Tensor& down, const torch::Tensor& up, double scale) {
  torch::NoGradGuard no_grad;
  const auto device = weight_.device();
  const auto delta = at::matmul(up.to(device, torch::kFloat32), down.to(device, torch::kFloat32)).mul_(scale);
  weight_.copy_(weight_.to(torch::kFloat32).add_(delta));
}

void WanLinearImpl::set_dtype(torch::Dtype dtype) {
  // set_data keeps the registered parameter objects, so the module's parameter list stays valid.
  torch::NoGradGuard no_grad;
  weight_.set_data(weight_.to(dtype));
  bias_.set_data(bias_.to(dtype));
  if (lora_down_.defined()) {
    lora_down_ = lora_down_.to(dtype);
    lora_up_ = lora_up_.to(dtype);
  }
}

WanNormParamsImpl::WanNormParamsImpl(int64_t dim, bool with_bias, const WanDiTPlacement& placement)
    : weight_(register_parameter("weight", placement.make({dim}, false), false)),
      bias_(with_bias ? register_parameter("bias", placement.make({dim}, false), false) : torch::Tensor()) {}

torch::Tensor residual_add(torch::Tensor x, const torch::Tensor& y, const torch::Tensor& gate) {
  // In place is safe when autograd records nothing that involves x (it may have saved x earlier).
  const bool in_place = !torch::GradMode::is_enabled() ||
                        !(x.requires_grad() || y.requires_grad() || (gate.defined() && gate.requires_grad()));
  if (in_place) {
    // y joins in its own dtype: the kernel converts each element, instead of a float32 copy of y.
    return gate.defined() ? x.addcmul_(y, gate) : x.add_(y);
  }
  const auto y32 = y.to(x.scalar_type());
  return gate.defined() ? x.addcmul(y32, gate) : x.add(y32);
}

torch::Tensor modulated_layer_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                                   double eps) {
  const auto normed = at::layer_norm(x, {x.size(-1)}, {}, {}, eps);
  return torch::addcmul(shift, normed, scale + 1.0);
}

}  // namespace blade::models
