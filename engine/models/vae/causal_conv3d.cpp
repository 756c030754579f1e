#include "models/vae/causal_conv3d.h"

#include <torch/torch.h>

namespace blade::models {

CausalConv3dImpl::CausalConv3dImpl(const CausalConv3dOptions& options) : options_(options) {
  const auto& k = options.kernel;
  weight = register_parameter("weight", torch::zeros({options.out_channels, options.in_channels, k[0], k[1], k[2]}));
  bias = register_parameter("bias", torch::zeros({options.out_channels}));
}

torch::Tensor CausalConv3dImpl::forward(const torch::Tensor& x, const torch::Tensor& previous) {
  const int64_t front = 2 * options_.padding[0];
  torch::Tensor input = x;
  if (front > 0) {
    const int64_t cached = previous.defined() ? std::min(previous.size(2), front) : 0;
    const int64_t zeros = front - cached;
    std::vector<torch::Tensor> parts;
    parts.reserve(3);
    if (zeros > 0) {
      auto shape = x.sizes().vec();
      shape[2] = zeros;
      parts.push_back(torch::zeros(shape, x.options()));
    }
    if (cached > 0) parts.push_back(previous.narrow(2, previous.size(2) - cached, cached).to(x.device()));
    parts.push_back(x);
    input = torch::cat(parts, 2);
  }
  // Spatial zero padding is symmetric, so the convolution's own padding does it without a copy.
  return torch::conv3d(input, weight, bias, {options_.stride[0], options_.stride[1], options_.stride[2]},
                       {0, options_.padding[1], options_.padding[2]});
}

torch::Tensor CausalConv3dImpl::forward_cached(const torch::Tensor& x, FeatureCache* cache) {
  if (cache == nullptr) return forward(x);
  auto& slot = cache->next();
  auto next_frames = next_cache_frames(slot, x);
  auto out = forward(x, slot.state == FeatureCache::State::Filled ? slot.frames : torch::Tensor());
  slot.frames = std::move(next_frames);
  slot.state = FeatureCache::State::Filled;
  return out;
}

}  // namespace blade::models
