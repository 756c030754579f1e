#pragma once
// Per-step previews that cost almost nothing: a linear map from the latent channels to RGB, fitted
// once per model by least squares against the codec's own decode of random latents.

#include <torch/types.h>

#include "pipeline/video_codec.h"

namespace blade::pipeline {

class LatentPreview {
 public:
  // Fits the projection: decodes a few random latents (one frame, 8x8) and regresses the mean
  // colour of each pixel patch a latent covers on the latent channels (with a bias).
  void fit(VideoCodec& codec, torch::Device device);
  bool fitted() const { return weight_.defined(); }

  // normalised latents [1, C, f, h, w] -> RGB frames [f, h, w, 3] uint8 (one per latent frame).
  torch::Tensor render(const torch::Tensor& normalised_latents) const;

  const torch::Tensor& weight() const { return weight_; }  // [C + 1, 3] float32 on the CPU

 private:
  torch::Tensor weight_;
};

}  // namespace blade::pipeline
