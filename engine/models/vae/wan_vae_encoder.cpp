#include "models/vae/wan_vae_encoder.h"

#include <torch/torch.h>

namespace blade::models {

WanEncoderImpl::WanEncoderImpl(const WanVAEConfig& config) {
  const int64_t levels = static_cast<int64_t>(config.dim_mult.size());
  conv_in_ = register_module("conv_in", CausalConv3d(CausalConv3dOptions{3, config.base_dim}));
  auto down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int64_t in_dim = config.base_dim;
  for (int64_t level = 0; level < levels; ++level) {
    const int64_t out_dim = config.base_dim * config.dim_mult[level];
    for (int64_t i = 0; i < config.num_res_blocks; ++i) {
      Layer layer;
      layer.resnet = ResidualBlock(in_dim, out_dim, config.norm_bias);
      down_blocks->push_back(layer.resnet);
      layers_.push_back(layer);
      in_dim = out_dim;
    }
    if (level != levels - 1) {
      Layer layer;
      layer.resample = Resample(out_dim, config.temporal_downsample[level] ? ResampleMode::Downsample3d
                                                                           : ResampleMode::Downsample2d);
      down_blocks->push_back(layer.resample);
      layers_.push_back(layer);
    }
  }
  mid_block_ = register_module("mid_block", MidBlock(in_dim, config.norm_bias));
  norm_out_ = register_module("norm_out", RMSNorm(in_dim, false, config.norm_bias));
  conv_out_ = register_module("conv_out", CausalConv3d(CausalConv3dOptions{in_dim, 2 * config.z_dim}));
}

torch::Tensor WanEncoderImpl::forward(const torch::Tensor& x, FeatureCache& cache) {
  cache.start_chunk();
  auto h = conv_in_->forward_cached(x, &cache);
  for (auto& layer : layers_) {
    h = layer.resnet ? layer.resnet->forward(h, &cache) : layer.resample->forward(h, &cache);
  }
  h = mid_block_->forward(h, &cache);
  return conv_out_->forward_cached(norm_out_->forward_silu(h), &cache);
}

}  // namespace blade::models
