#pragma once
// The Wan-VAE behind the codec interface (latent normalisation included).

#include "models/vae/wan_vae.h"
#include "pipeline/video_codec.h"

#include <optional>

namespace blade::pipeline {

class WanVaeCodec final : public VideoCodec {
 public:
  explicit WanVaeCodec(models::WanVAE vae) : vae_(std::move(vae)) {}
  std::string name() const override { return "wan-vae"; }
  int64_t latent_channels() const override { return vae_->config().z_dim; }
  int64_t temporal_factor() const override;
  int64_t spatial_factor() const override;
  torch::Tensor decode(const torch::Tensor& latents, const CancelToken* cancel = nullptr,
                       const DecodeProgress& progress = {}) override;
  torch::Tensor encode(const torch::Tensor& video) override;
  // bf16 decode: a bfloat16 copy of the VAE (made on first use, then kept: 0.25 GB for Wan2.1's)
  // runs the decode end to end in bf16, so no activation makes a float32 round trip; the float32
  // weights stay for f32 and encode. The weights are fixed once loaded, so the copy never goes stale.
  void set_bf16_decode(bool enabled) override { bf16_decode_ = enabled; }

 private:
  models::WanVAE& decoding_vae();

  models::WanVAE vae_;
  std::optional<models::WanVAE> bf16_vae_;
  bool bf16_decode_ = false;
};

}  // namespace blade::pipeline
