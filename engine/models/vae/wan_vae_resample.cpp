#include "models/vae/wan_vae_resample.h"

#include <torch/torch.h>

namespace blade::models {
namespace {

bool is_upsample(ResampleMode mode) { return mode == ResampleMode::Upsample2d || mode == ResampleMode::Upsample3d; }

}  // namespace

ResampleImpl::ResampleImpl(int64_t dim, ResampleMode mode) : mode_(mode) {
  // diffusers keeps the parameter-free first step (upsample / zero pad) as resample.0.
  auto sequence = register_module("resample", torch::nn::ModuleList());
  sequence->push_back(torch::nn::Identity());
  if (is_upsample(mode)) {
    conv_ = torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, dim / 2, 3).padding(1));
  } else {
    conv_ = torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, dim, 3).stride(2));
  }
  sequence->push_back(conv_);
  if (mode == ResampleMode::Upsample3d) {
    time_conv_ = register_module(
        "time_conv", CausalConv3d(CausalConv3dOptions{dim, 2 * dim, {3, 1, 1}, {1, 1, 1}, {1, 0, 0}}));
  } else if (mode == ResampleMode::Downsample3d) {
    time_conv_ = register_module(
        "time_conv", CausalConv3d(CausalConv3dOptions{dim, dim, {3, 1, 1}, {2, 1, 1}, {0, 0, 0}}));
  }
}

torch::Tensor ResampleImpl::forward(const torch::Tensor& x, FeatureCache* cache) {
  switch (mode_) {
    case ResampleMode::Upsample2d:
    case ResampleMode::Downsample2d: return spatial(x);
    case ResampleMode::Upsample3d: return spatial(upsample_time(x, cache));
    case ResampleMode::Downsample3d: return downsample_time(spatial(x), cache);
  }
  return x;
}

torch::Tensor ResampleImpl::spatial(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  auto frames = x.permute({0, 2, 1, 3, 4}).reshape({b * t, c, h, w});
  if (is_upsample(mode_)) {
    // nearest-exact (Wan) and nearest agree at an integer factor of 2: plain pixel repetition.
    frames = at::upsample_nearest2d(frames, {2 * h, 2 * w});
  } else {
    frames = torch::constant_pad_nd(frames, {0, 1, 0, 1});  // right and bottom only
  }
  auto out = conv_->forward(frames);
  return out.view({b, t, out.size(1), out.size(2), out.size(3)}).permute({0, 2, 1, 3, 4});
}

torch::Tensor ResampleImpl::upsample_time(const torch::Tensor& x, FeatureCache* cache) {
  if (cache == nullptr) return x;  // without a cache the Wan reference does not upsample time either
  auto& slot = cache->next();
  if (slot.state == FeatureCache::State::Empty) {
    slot.state = FeatureCache::State::ZeroPadded;
    return x;
  }
  torch::Tensor doubled;
  torch::Tensor next_frames;
  if (slot.state == FeatureCache::State::ZeroPadded) {
    next_frames = x.size(2) >= FeatureCache::kFrames ? last_frames(x, FeatureCache::kFrames)
                                                     : torch::cat({torch::zeros_like(x), x}, 2);
    doubled = time_conv_->forward(x);
  } else {
    next_frames = next_cache_frames(slot, x);
    doubled = time_conv_->forward(x, slot.frames);
  }
  slot.frames = std::move(next_frames);
  slot.state = FeatureCache::State::Filled;
  // [B, 2C, T, H, W]: channels [0, C) are the even output frames, [C, 2C) the odd ones.
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  return doubled.view({b, 2, c, t, h, w}).permute({0, 2, 3, 1, 4, 5}).reshape({b, c, 2 * t, h, w});
}

torch::Tensor ResampleImpl::downsample_time(const torch::Tensor& x, FeatureCache* cache) {
  if (cache == nullptr) return x;
  auto& slot = cache->next();
  auto last = last_frames(x, 1);
  if (slot.state == FeatureCache::State::Empty) {
    slot.frames = std::move(last);
    slot.state = FeatureCache::State::Filled;
    return x;
  }
  auto out = time_conv_->forward(torch::cat({slot.frames.narrow(2, slot.frames.size(2) - 1, 1), x}, 2));
  slot.frames = std::move(last);
  return out;
}

}  // namespace blade::models
