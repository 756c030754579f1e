#include "models/vae/feature_cache.h"

#include <torch/torch.h>

namespace blade::models {

FeatureCache::Slot& FeatureCache::next() {
  if (cursor_ == slots_.size()) slots_.emplace_back();
  return slots_[cursor_++];
}

torch::Tensor last_frames(const torch::Tensor& x, int64_t count) {
  const int64_t frames = x.size(2);
  if (frames <= count) return x;
  return x.narrow(2, frames - count, count).clone(at::MemoryFormat::Contiguous);
}

torch::Tensor next_cache_frames(const FeatureCache::Slot& slot, const torch::Tensor& x) {
  if (x.size(2) >= FeatureCache::kFrames || slot.state != FeatureCache::State::Filled) {
    return last_frames(x, FeatureCache::kFrames);
  }
  const auto& previous = slot.frames;
  return torch::cat({previous.narrow(2, previous.size(2) - 1, 1), x}, 2);
}

}  // namespace blade::models
