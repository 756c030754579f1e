#include "models/dit/wan_dit_embeddings.h"

#include "models/dit/wan_rope.h"

#include <torch/torch.h>

namespace blade::models {

WanPatchEmbedImpl::WanPatchEmbedImpl(const WanDiTConfig& config, const WanDiTPlacement& placement)
    : patch_(config.patch) {
  weight_ = register_parameter(
      "weight", placement.make({config.dim, config.in_channels, patch_[0], patch_[1], patch_[2]}, true), false);
  bias_ = register_parameter("bias", placement.make({config.dim}, true), false);
}

torch::Tensor WanPatchEmbedImpl::forward(const torch::Tensor& latents) const {
  const auto patched = at::conv3d(latents.to(weight_.scalar_type()), weight_, bias_, patch_);  // [B, dim, F', H', W']
  const auto tokens = patched.flatten(2).transpose(1, 2);
  // One copy that both transposes and converts into the fp32 residual stream.
  auto out = torch::empty(tokens.sizes(), tokens.options().dtype(torch::kFloat32));
  out.copy_(tokens);
  return out;
}

void WanPatchEmbedImpl::set_dtype(torch::Dtype dtype) {
  torch::NoGradGuard no_grad;
  weight_.set_data(weight_.to(dtype));
  bias_.set_data(bias_.to(dtype));
}

WanConditionEmbedderImpl::WanConditionEmbedderImpl(const WanDiTConfig& config, const WanDiTPlacement& placement)
    : freq_dim_(config.freq_dim), dim_(config.dim) {
  // The time path stays fp32 like the original (it runs under an fp32 autocast there).
  auto time = register_module("time_embedder", WanNameLevel());
  time_1_ = time->register_module("linear_1", WanLinear(config.freq_dim, config.dim, placement, false));
  time_2_ = time->register_module("linear_2", WanLinear(config.dim, config.dim, placement, false));
  time_proj_ = register_module("time_proj", WanLinear(config.dim, 6 * config.dim, placement, false));
  auto text = register_module("text_embedder", WanNameLevel());
  text_1_ = text->register_module("linear_1", WanLinear(config.text_dim, config.dim, placement, true));
  text_2_ = text->register_module("linear_2", WanLinear(config.dim, config.dim, placement, true));
}

WanConditions WanConditionEmbedderImpl::forward(const torch::Tensor& timestep, const torch::Tensor& text) const {
  const auto sinusoid = wan_timestep_sinusoid(timestep.to(time_1_->weight().device()), freq_dim_).to(torch::kFloat32);
  WanConditions out;
  out.time = time_2_->forward(torch::silu(time_1_->forward(sinusoid)));
  out.time_modulation = time_proj_->forward(torch::silu(out.time)).view({-1, 6, dim_});
  out.context = text_2_->forward(at::gelu(text_1_->forward(text), "tanh"));
  return out;
}

}  // namespace blade::models
