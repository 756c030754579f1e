#pragma once
// What turns latents into video and back: the Wan-VAE for Wan models, the identity for models that
// denoise pixels directly (BLADE-mini). The pipeline only sees normalised latents.

#include "core/cancel.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace blade::pipeline {

using DecodeProgress = std::function<void(int64_t done_latent_frames, int64_t total_latent_frames)>;

class VideoCodec {
 public:
  virtual ~VideoCodec() = default;
  virtual std::string name() const = 0;  // "wan-vae" | "pixel"
  virtual int64_t latent_channels() const = 0;
  virtual int64_t temporal_factor() const = 0;  // latent frames = (frames - 1) / factor + 1
  virtual int64_t spatial_factor() const = 0;   // latent size = size / factor

  // Normalised latents [1, C, f, h, w] -> video [1, 3, F, H, W], nominally in [-1, 1] (fp32, codec's
  // device); values outside are clamped where the video becomes 8-bit frames.
  virtual torch::Tensor decode(const torch::Tensor& latents, const CancelToken* cancel = nullptr,
                               const DecodeProgress& progress = {}) = 0;
  // Video [B, 3, F, H, W] in [-1, 1] -> normalised latents.
  virtual torch::Tensor encode(const torch::Tensor& video) = 0;

  // Decoding with convolutions in bf16 (norms in fp32, output fp32): faster on a GPU (13% for the
  // 1.3B pipeline's decode on an H200), frames 48 dB PSNR from the fp32
  // decode's. Codecs without convolutions ignore it.
  virtual void set_bf16_decode(bool /*enabled*/) {}

  int64_t latent_frames(int64_t frames) const { return (frames - 1) / temporal_factor() + 1; }
};

}  // namespace blade::pipeline
