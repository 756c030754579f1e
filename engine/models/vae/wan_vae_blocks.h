#pragma once
// The building blocks of the Wan-VAE, named like diffusers' AutoencoderKLWan submodules.

#include "models/vae/causal_conv3d.h"
#include "models/vae/feature_cache.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>

namespace blade::models {

// l2-normalise over channels (dim 1), times sqrt(C) * gamma (+ bias). gamma is [C,1,1,1] for
// videos, [C,1,1] for the per-frame images of the attention block.
class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t channels, bool images, bool with_bias);
  torch::Tensor forward(const torch::Tensor& x) { return normalize(x, false); }
  torch::Tensor forward_silu(const torch::Tensor& x) { return normalize(x, true); }  // SiLU(norm(x))

  torch::Tensor gamma;
  torch::Tensor bias;  // undefined without bias

 private:
  // One fused CUDA kernel where it applies without autograd (kernels/fused_norms.h), else ATen ops.
  torch::Tensor normalize(const torch::Tensor& x, bool silu);

  double scale_ = 1.0;
};
TORCH_MODULE(RMSNorm);

// shortcut(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x)))))), both convs causal and cached.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int64_t in_dim, int64_t out_dim, bool norm_bias);
  torch::Tensor forward(const torch::Tensor& x, FeatureCache* cache);

 private:
  RMSNorm norm1_{nullptr};
  CausalConv3d conv1_{nullptr};
  RMSNorm norm2_{nullptr};
  CausalConv3d conv2_{nullptr};
  CausalConv3d conv_shortcut_{nullptr};  // only when in_dim != out_dim
};
TORCH_MODULE(ResidualBlock);

// Single-head self-attention inside each frame, 1x1 convolutions for qkv and the projection.
class AttentionBlockImpl : public torch::nn::Module {
 public:
  AttentionBlockImpl(int64_t dim, bool norm_bias);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t dim_ = 0;
  RMSNorm norm_{nullptr};
  torch::nn::Conv2d to_qkv_{nullptr};
  torch::nn::Conv2d proj_{nullptr};
};
TORCH_MODULE(AttentionBlock);

// resnets.0 -> attentions.0 -> resnets.1
class MidBlockImpl : public torch::nn::Module {
 public:
  MidBlockImpl(int64_t dim, bool norm_bias);
  torch::Tensor forward(const torch::Tensor& x, FeatureCache* cache);

 private:
  std::vector<ResidualBlock> resnet_list_;
  AttentionBlock attention_{nullptr};
};
TORCH_MODULE(MidBlock);

}  // namespace blade::models
