#pragma once
// Wan-VAE encoder (diffusers WanEncoder3d layout): conv_in, a flat list down_blocks of residual
// blocks and resamples, mid_block, norm_out, conv_out (to 2 * z_dim channels).

#include "models/vae/wan_vae_blocks.h"
#include "models/vae/wan_vae_config.h"
#include "models/vae/wan_vae_resample.h"

namespace blade::models {

class WanEncoderImpl : public torch::nn::Module {
 public:
  explicit WanEncoderImpl(const WanVAEConfig& config);
  // One chunk of frames; `cache` carries the causal history between chunks.
  torch::Tensor forward(const torch::Tensor& x, FeatureCache& cache);

 private:
  struct Layer {  // exactly one is set
    ResidualBlock resnet{nullptr};
    Resample resample{nullptr};
  };
  CausalConv3d conv_in_{nullptr};
  std::vector<Layer> layers_;
  MidBlock mid_block_{nullptr};
  RMSNorm norm_out_{nullptr};
  CausalConv3d conv_out_{nullptr};
};
TORCH_MODULE(WanEncoder);

}  // namespace blade::models
