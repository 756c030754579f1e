#pragma once
// Wan-VAE resampling between levels. Spatial part per frame (resample.1 is a Conv2d); temporal part
// (time_conv) for the 3d modes:
//  - downsample3d: stride-2 causal time conv over [last frame of the previous chunk, chunk]; skipped
//    on the first chunk (which has one frame).
//  - upsample3d: time conv to 2*C channels, interleaved into twice the frames; skipped on the first
//    chunk, zero history on the second.

#include "models/vae/causal_conv3d.h"
#include "models/vae/feature_cache.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>

namespace blade::models {

enum class ResampleMode { Upsample2d, Upsample3d, Downsample2d, Downsample3d };

class ResampleImpl : public torch::nn::Module {
 public:
  // Upsampling halves the channels (dim -> dim / 2), as in the Wan2.1 decoder.
  ResampleImpl(int64_t dim, ResampleMode mode);
  torch::Tensor forward(const torch::Tensor& x, FeatureCache* cache);

  ResampleMode mode() const { return mode_; }

 private:
  torch::Tensor spatial(const torch::Tensor& x);
  torch::Tensor upsample_time(const torch::Tensor& x, FeatureCache* cache);
  torch::Tensor downsample_time(const torch::Tensor& x, FeatureCache* cache);

  ResampleMode mode_ = ResampleMode::Upsample2d;
  torch::nn::Conv2d conv_{nullptr};        // registered as resample.1
  CausalConv3d time_conv_{nullptr};        // 3d modes only
};
TORCH_MODULE(Resample);

}  // namespace blade::models
