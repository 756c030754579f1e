#include "pipeline/wan_vae_codec.h"

#include <ATen/Context.h>

namespace blade::pipeline {

int64_t WanVaeCodec::temporal_factor() const {
  int64_t factor = 1;
  for (bool down : vae_->config().temporal_downsample) factor *= down ? 2 : 1;
  return factor;
}

int64_t WanVaeCodec::spatial_factor() const { return int64_t{1} << (vae_->config().dim_mult.size() - 1); }

torch::Tensor WanVaeCodec::decode(const torch::Tensor& latents, const CancelToken* cancel, const DecodeProgress& progress) {
  torch::NoGradGuard no_grad;
  const auto device = latents.device();
  // The causal decode repeats a handful of conv3d shapes: let cuDNN time its algorithms once.
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  return decoding_vae()->decode(vae_->denormalize(latents.to(torch::kFloat32)), cancel, progress).to(torch::kFloat32);
}

models::WanVAE& WanVaeCodec::decoding_vae() {
  if (!bf16_decode_) return vae_;
  if (!bf16_vae_) bf16_vae_ = models::cast_wan_vae(vae_, torch::kBFloat16);
  return *bf16_vae_;
}

torch::Tensor WanVaeCodec::encode(const torch::Tensor& video) {
  torch::NoGradGuard no_grad;
  return vae_->normalize(vae_->encode(video));
}

}  // namespace blade::pipeline
