#include "models/vae/wan_vae_decoder.h"

#include <torch/torch.h>

namespace blade::models {

WanUpBlockImpl::WanUpBlockImpl(int64_t in_dim, int64_t out_dim, int64_t num_res_blocks,
                               std::optional<ResampleMode> upsample, bool norm_bias) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t i = 0; i <= num_res_blocks; ++i) {
    resnets_.emplace_back(i == 0 ? in_dim : out_dim, out_dim, norm_bias);
    resnets->push_back(resnets_.back());
  }
  if (upsample) {
    auto upsamplers = register_module("upsamplers", torch::nn::ModuleList());
    upsampler_ = Resample(out_dim, *upsample);
    upsamplers->push_back(upsampler_);
  }
}

torch::Tensor WanUpBlockImpl::forward(const torch::Tensor& x, FeatureCache& cache) {
  auto h = x;
  for (auto& resnet : resnets_) h = resnet->forward(h, &cache);
  return upsampler_ ? upsampler_->forward(h, &cache) : h;
}

WanDecoderImpl::WanDecoderImpl(const WanVAEConfig& config) {
  const int64_t levels = static_cast<int64_t>(config.dim_mult.size());
  // Channels per level, deepest first: base * [mult[-1], mult[-1], ..., mult[0]].
  std::vector<int64_t> dims{config.base_dim * config.dim_mult.back()};
  for (int64_t level = levels - 1; level >= 0; --level) dims.push_back(config.base_dim * config.dim_mult[level]);

  conv_in_ = register_module("conv_in", CausalConv3d(CausalConv3dOptions{config.z_dim, dims[0]}));
  mid_block_ = register_module("mid_block", MidBlock(dims[0], config.norm_bias));
  auto up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < levels; ++i) {
    // Every upsampler halves the channels, so later blocks start from half the previous width.
    const int64_t in_dim = i == 0 ? dims[0] : dims[i] / 2;
    std::optional<ResampleMode> upsample;
    if (i != levels - 1) {
      // The decoder mirrors the encoder: temporal upsampling where the encoder downsampled, reversed.
      const bool temporal = config.temporal_downsample[levels - 2 - i];
      upsample = temporal ? ResampleMode::Upsample3d : ResampleMode::Upsample2d;
    }
    up_blocks_.emplace_back(in_dim, dims[i + 1], config.num_res_blocks, upsample, config.norm_bias);
    up_blocks->push_back(up_blocks_.back());
  }
  norm_out_ = register_module("norm_out", RMSNorm(dims.back(), false, config.norm_bias));
  conv_out_ = register_module("conv_out", CausalConv3d(CausalConv3dOptions{dims.back(), 3}));
}

torch::Tensor WanDecoderImpl::forward(const torch::Tensor& z, FeatureCache& cache) {
  cache.start_chunk();
  auto h = conv_in_->forward_cached(z, &cache);
  h = mid_block_->forward(h, &cache);
  for (auto& block : up_blocks_) h = block->forward(h, cache);
  return conv_out_->forward_cached(norm_out_->forward_silu(h), &cache);
}

}  // namespace blade::models
