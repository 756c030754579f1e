#pragma once
// Wan-VAE decoder (diffusers WanDecoder3d layout): conv_in, mid_block, up_blocks (each
// num_res_blocks + 1 residual blocks, then one upsampler except in the last), norm_out, conv_out.

#include "models/vae/wan_vae_blocks.h"
#include "models/vae/wan_vae_config.h"
#include "models/vae/wan_vae_resample.h"

namespace blade::models {

class WanUpBlockImpl : public torch::nn::Module {
 public:
  WanUpBlockImpl(int64_t in_dim, int64_t out_dim, int64_t num_res_blocks, std::optional<ResampleMode> upsample,
                 bool norm_bias);
  torch::Tensor forward(const torch::Tensor& x, FeatureCache& cache);

 private:
  std::vector<ResidualBlock> resnets_;
  Resample upsampler_{nullptr};
};
TORCH_MODULE(WanUpBlock);

class WanDecoderImpl : public torch::nn::Module {
 public:
  explicit WanDecoderImpl(const WanVAEConfig& config);
  // One latent frame (or chunk); `cache` carries the causal history between chunks.
  torch::Tensor forward(const torch::Tensor& z, FeatureCache& cache);

 private:
  CausalConv3d conv_in_{nullptr};
  MidBlock mid_block_{nullptr};
  std::vector<WanUpBlock> up_blocks_;
  RMSNorm norm_out_{nullptr};
  CausalConv3d conv_out_{nullptr};
};
TORCH_MODULE(WanDecoder);

}  // namespace blade::models
