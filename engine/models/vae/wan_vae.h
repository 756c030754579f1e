#pragma once
// The Wan2.1 video autoencoder (Wan-VAE): a 3D causal convolutional VAE, 8x spatial and 4x temporal
// compression, processed in causal chunks (encode: frames [0], [1:5], [5:9], ...; decode: one latent
// frame at a time). Parameter names are diffusers' AutoencoderKLWan names; original Wan checkpoints
// load through the name map. Runs in fp32.

#include "core/cancel.h"
#include "core/error.h"
#include "models/vae/wan_vae_config.h"
#include "models/vae/wan_vae_decoder.h"
#include "models/vae/wan_vae_encoder.h"
#include "models/vae/wan_vae_names.h"

#include <torch/nn/module.h>

#include <functional>

namespace blade::io {
class WeightStore;
}

namespace blade::models {

class WanVAEImpl : public torch::nn::Module {
 public:
  explicit WanVAEImpl(const WanVAEConfig& config);

  // video [B, 3, F, H, W] in [-1, 1], F = 4n + 1, H and W multiples of 8 -> posterior mean
  // [B, z, (F - 1) / 4 + 1, H / 8, W / 8] (not normalised), on the module's device and in its dtype.
  torch::Tensor encode(const torch::Tensor& video, const CancelToken* cancel = nullptr);

  // latents [B, z, f, h, w] (not normalised) -> video [B, 3, 4 (f - 1) + 1, 8 h, 8 w] in [-1, 1],
  // in the module's dtype.
  // on_chunk(done_latent_frames, total) is called after each latent frame; cancel is checked before each.
  torch::Tensor decode(const torch::Tensor& latents, const CancelToken* cancel = nullptr,
                       const std::function<void(int64_t, int64_t)>& on_chunk = {});

  torch::Tensor normalize(const torch::Tensor& mu) const;   // (mu - mean) / std per channel
  torch::Tensor denormalize(const torch::Tensor& z) const;  // z * std + mean

  const WanVAEConfig& config() const { return config_; }

 private:
  torch::Tensor device_tensor(const torch::Tensor& x) const;
  torch::Tensor channel_statistic(const std::vector<double>& values, const torch::Tensor& like) const;

  WanVAEConfig config_;
  WanEncoder encoder_{nullptr};
  CausalConv3d quant_conv_{nullptr};
  CausalConv3d post_quant_conv_{nullptr};
  WanDecoder decoder_{nullptr};
};
TORCH_MODULE(WanVAE);

// Infers the config from `store` (diffusers or original Wan names), builds the VAE in fp32, loads
// every tensor and moves it to `device`, in eval mode. Throws blade::Error (BadWeights, Unsupported).
WanVAE load_wan_vae(const io::WeightStore& store, torch::Device device);

// A copy of `vae` on its device with every tensor converted to `dtype` (a bf16 decoder, say); its
// encode and decode then take and return that dtype.
WanVAE cast_wan_vae(const WanVAE& vae, torch::Dtype dtype);

}  // namespace blade::models
