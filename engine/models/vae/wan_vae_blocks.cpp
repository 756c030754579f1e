#include "models/vae/wan_vae_blocks.h"

#include "core/fused_kernels.h"

#include <torch/torch.h>

#include <cmath>

#ifdef BLADE_HAVE_CUDA_KERNELS
#include "kernels/fused_norms.h"
#endif

namespace blade::models {

RMSNormImpl::RMSNormImpl(int64_t channels, bool images, bool with_bias)
    : scale_(std::sqrt(static_cast<double>(channels))) {
  const std::vector<int64_t> shape = images ? std::vector<int64_t>{channels, 1, 1}
                                            : std::vector<int64_t>{channels, 1, 1, 1};
  gamma = register_parameter("gamma", torch::ones(shape));
  if (with_bias) bias = register_parameter("bias", torch::zeros(shape));
}

torch::Tensor RMSNormImpl::normalize(const torch::Tensor& x, bool silu) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (fused_kernels_enabled() && !torch::GradMode::is_enabled()) {
    const auto video = x.dim() == 4 ? x.unsqueeze(2) : x;  // images: one frame
    if (kernels::channel_rms_norm_applies(video, gamma, bias)) {
      const auto out = kernels::channel_rms_norm_cuda(video, gamma, bias, silu);
      return x.dim() == 4 ? out.squeeze(2) : out;
    }
  }
#endif
  // As F.normalize: x / max(||x||, 1e-12) over the channels.
  auto norm = torch::linalg_vector_norm(x, 2, {1}, /*keepdim=*/true).clamp_min_(1e-12);
  auto out = torch::div(x, norm).mul_(gamma * scale_);
  if (bias.defined()) out.add_(bias);
  return silu ? torch::silu_(out) : out;
}

ResidualBlockImpl::ResidualBlockImpl(int64_t in_dim, int64_t out_dim, bool norm_bias) {
  norm1_ = register_module("norm1", RMSNorm(in_dim, false, norm_bias));
  conv1_ = register_module("conv1", CausalConv3d(CausalConv3dOptions{in_dim, out_dim}));
  norm2_ = register_module("norm2", RMSNorm(out_dim, false, norm_bias));
  conv2_ = register_module("conv2", CausalConv3d(CausalConv3dOptions{out_dim, out_dim}));
  if (in_dim != out_dim) {
    conv_shortcut_ = register_module(
        "conv_shortcut", CausalConv3d(CausalConv3dOptions{in_dim, out_dim, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}}));
  }
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x, FeatureCache* cache) {
  auto h = conv1_->forward_cached(norm1_->forward_silu(x), cache);
  // Dropout is identity at inference.
  auto out = conv2_->forward_cached(norm2_->forward_silu(h), cache);
  return out.add_(conv_shortcut_ ? conv_shortcut_->forward(x) : x);
}

AttentionBlockImpl::AttentionBlockImpl(int64_t dim, bool norm_bias) : dim_(dim) {
  norm_ = register_module("norm", RMSNorm(dim, true, norm_bias));
  to_qkv_ = register_module("to_qkv", torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, 3 * dim, 1)));
  proj_ = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, dim, 1)));
}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  auto frames = x.permute({0, 2, 1, 3, 4}).reshape({b * t, c, h, w});
  auto qkv = to_qkv_->forward(norm_->forward(frames));                       // [bt, 3c, h, w]
  qkv = qkv.reshape({b * t, 1, 3 * c, h * w}).transpose(2, 3).contiguous();  // [bt, 1, hw, 3c]
  auto parts = qkv.chunk(3, -1);
  auto attended = at::scaled_dot_product_attention(parts[0], parts[1], parts[2]);  // [bt, 1, hw, c]
  auto out = proj_->forward(attended.squeeze(1).transpose(1, 2).reshape({b * t, c, h, w}));
  return out.view({b, t, c, h, w}).permute({0, 2, 1, 3, 4}).add(x);
}

MidBlockImpl::MidBlockImpl(int64_t dim, bool norm_bias) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  auto attentions = register_module("attentions", torch::nn::ModuleList());
  for (int i = 0; i < 2; ++i) {
    resnet_list_.emplace_back(dim, dim, norm_bias);
    resnets->push_back(resnet_list_.back());
  }
  attention_ = AttentionBlock(dim, norm_bias);
  attentions->push_back(attention_);
}

torch::Tensor MidBlockImpl::forward(const torch::Tensor& x, FeatureCache* cache) {
  auto h = resnet_list_[0]->forward(x, cache);
  h = attention_->forward(h);
  return resnet_list_[1]->forward(h, cache);
}

}  // namespace blade::models
