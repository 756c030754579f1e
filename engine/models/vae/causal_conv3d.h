#pragma once
// Wan's causal 3D convolution: spatial zero padding on both sides, temporal padding of 2*p_t frames
// at the front only, where the frames cached from the previous chunk replace leading zeros.

#include "models/vae/feature_cache.h"

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <optional>

namespace blade::models {

struct CausalConv3dOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  std::array<int64_t, 3> kernel{3, 3, 3};   // t, h, w
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{1, 1, 1};  // time padding is applied twice, at the front
};

class CausalConv3dImpl : public torch::nn::Module {
 public:
  explicit CausalConv3dImpl(const CausalConv3dOptions& options);

  // x [B, C, T, H, W]; `previous` (frames of the previous chunk) stands in for front padding.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& previous = {});
  // The usual cached step: convolve with the slot's frames, then store this chunk's last frames.
  torch::Tensor forward_cached(const torch::Tensor& x, FeatureCache* cache);

  const CausalConv3dOptions& options() const { return options_; }

  torch::Tensor weight;
  torch::Tensor bias;

 private:
  CausalConv3dOptions options_;
};
TORCH_MODULE(CausalConv3d);

}  // namespace blade::models
