#pragma once
// The identity codec of models that denoise RGB video directly (BLADE-mini): latents are the
// frames themselves, 3 channels in [-1, 1], no compression. Decoding costs nothing, which is why
// the small default model uses it: its clips are small enough to denoise at full resolution.

#include "pipeline/video_codec.h"

namespace blade::pipeline {

class PixelCodec final : public VideoCodec {
 public:
  explicit PixelCodec(torch::Device device) : device_(device) {}
  std::string name() const override { return "pixel"; }
  int64_t latent_channels() const override { return 3; }
  int64_t temporal_factor() const override { return 1; }
  int64_t spatial_factor() const override { return 1; }
  torch::Tensor decode(const torch::Tensor& latents, const CancelToken* cancel = nullptr,
                       const DecodeProgress& progress = {}) override;
  torch::Tensor encode(const torch::Tensor& video) override;

 private:
  torch::Device device_;
};

}  // namespace blade::pipeline
