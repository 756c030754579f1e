#include "models/vae/wan_vae.h"

#include "core/error.h"
#include "core/log.h"
#include "core/tensor_format.h"
#include "io/weight_store.h"

#include <torch/torch.h>

namespace blade::models {
namespace {

auto& vae_log() {
  static auto log = blade::log::get("vae");
  return log;
}

}  // namespace

WanVAEImpl::WanVAEImpl(const WanVAEConfig& config) : config_(config) {
  const auto levels = config.dim_mult.size();
  if (levels < 1 || config.temporal_downsample.size() + 1 != levels || config.base_dim < 1 || config.z_dim < 1 ||
      config.num_res_blocks < 1 || config.latents_mean.size() != static_cast<size_t>(config.z_dim) ||
      config.latents_std.size() != static_cast<size_t>(config.z_dim)) {
    fail(ErrorKind::InvalidArgument, "inconsistent Wan-VAE config: {} ({} latent mean / {} std values)",
         config.describe(), config.latents_mean.size(), config.latents_std.size());
  }
  const CausalConv3dOptions quant{2 * config.z_dim, 2 * config.z_dim, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  const CausalConv3dOptions post_quant{config.z_dim, config.z_dim, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  encoder_ = register_module("encoder", WanEncoder(config));
  quant_conv_ = register_module("quant_conv", CausalConv3d(quant));
  post_quant_conv_ = register_module("post_quant_conv", CausalConv3d(post_quant));
  decoder_ = register_module("decoder", WanDecoder(config));
}

torch::Tensor WanVAEImpl::device_tensor(const torch::Tensor& x) const {
  return x.to(quant_conv_->weight.device(), quant_conv_->weight.scalar_type());
}

torch::Tensor WanVAEImpl::encode(const torch::Tensor& video, const CancelToken* cancel) {
  const int64_t tf = config_.time_factor();
  const int64_t sf = config_.spatial_factor();
  const bool valid = video.defined() && video.dim() == 5 && video.size(0) >= 1 && video.size(1) == 3 &&
                     video.size(2) >= 1 && (video.size(2) - 1) % tf == 0 && video.size(3) >= sf &&
                     video.size(3) % sf == 0 && video.size(4) >= sf && video.size(4) % sf == 0;
  if (!valid) {
    fail(ErrorKind::InvalidArgument,
         "Wan-VAE encode: expected a video [B, 3, F, H, W] with F = {}n + 1 frames and H, W positive multiples "
         "of {}, got {}",
         tf, sf, video.defined() ? shape_string(video.sizes()) : "an undefined tensor");
  }
  const int64_t frames = video.size(2);
  const int64_t chunks = 1 + (frames - 1) / tf;
  torch::NoGradGuard no_grad;
  try {
    const auto x = device_tensor(video);
    FeatureCache cache;
    std::vector<torch::Tensor> means;
    means.reserve(static_cast<size_t>(chunks));
    for (int64_t i = 0; i < chunks; ++i) {
      throw_if_cancelled(cancel, fmt::format("while encoding (chunk {} of {})", i + 1, chunks));
      const auto chunk = i == 0 ? x.narrow(2, 0, 1) : x.narrow(2, 1 + tf * (i - 1), tf);
      // quant_conv is 1x1x1, so applying it per chunk equals applying it to the whole.
      means.push_back(quant_conv_->forward(encoder_->forward(chunk, cache)).narrow(1, 0, config_.z_dim));
    }
    return torch::cat(means, 2);
  } catch (...) {
    rethrow_as_blade_error(fmt::format("encoding {} frames at {}x{} with the Wan-VAE", frames, video.size(4),
                                       video.size(3)));
  }
}

torch::Tensor WanVAEImpl::decode(const torch::Tensor& latents, const CancelToken* cancel,
                                 const std::function<void(int64_t, int64_t)>& on_chunk) {
  const bool valid = latents.defined() && latents.dim() == 5 && latents.size(0) >= 1 &&
                     latents.size(1) == config_.z_dim && latents.size(2) >= 1 && latents.size(3) >= 1 &&
                     latents.size(4) >= 1;
  if (!valid) {
    fail(ErrorKind::InvalidArgument, "Wan-VAE decode: expected latents [B, {}, f, h, w], got {}", config_.z_dim,
         latents.defined() ? shape_string(latents.sizes()) : "an undefined tensor");
  }
  const int64_t tf = config_.time_factor();
  const int64_t sf = config_.spatial_factor();
  const int64_t total = latents.size(2);
  const int64_t out_frames = 1 + tf * (total - 1);
  torch::NoGradGuard no_grad;
  try {
    const auto z = device_tensor(latents);
    auto video = torch::empty({z.size(0), 3, out_frames, sf * z.size(3), sf * z.size(4)}, z.options());
    FeatureCache cache;
    int64_t written = 0;
    for (int64_t i = 0; i < total; ++i) {
      throw_if_cancelled(cancel, fmt::format("while decoding (latent frame {} of {})", i + 1, total));
      auto frames = decoder_->forward(post_quant_conv_->forward(z.narrow(2, i, 1)), cache);
      const int64_t expected = i == 0 ? 1 : tf;
      if (frames.size(2) != expected || frames.size(3) != video.size(3) || frames.size(4) != video.size(4)) {
        fail(ErrorKind::Internal, "Wan-VAE decode: latent frame {} gave {}, expected {} frames of {}x{}", i,
             shape_string(frames.sizes()), expected, video.size(4), video.size(3));
      }
      video.narrow(2, written, expected).copy_(frames.clamp_(-1.0, 1.0));
      written += expected;
      if (on_chunk) on_chunk(i + 1, total);
    }
    return video;
  } catch (...) {
    rethrow_as_blade_error(fmt::format("decoding {} latent frames at {}x{} with the Wan-VAE", total,
                                       sf * latents.size(4), sf * latents.size(3)));
  }
}

torch::Tensor WanVAEImpl::channel_statistic(const std::vector<double>& values, const torch::Tensor& like) const {
  if (!like.defined() || like.dim() < 2 || like.size(1) != config_.z_dim) {
    fail(ErrorKind::InvalidArgument, "Wan-VAE latent normalisation: expected latents [B, {}, ...], got {}",
         config_.z_dim, like.defined() ? shape_string(like.sizes()) : "an undefined tensor");
  }
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[1] = config_.z_dim;
  const auto options = like.is_floating_point() ? like.options() : like.options().dtype(torch::kFloat32);
  return torch::tensor(values, torch::kFloat64).to(options).view(shape);
}

torch::Tensor WanVAEImpl::normalize(const torch::Tensor& mu) const {
  return (mu - channel_statistic(config_.latents_mean, mu)) / channel_statistic(config_.latents_std, mu);
}

torch::Tensor WanVAEImpl::denormalize(const torch::Tensor& z) const {
  return z * channel_statistic(config_.latents_std, z) + channel_statistic(config_.latents_mean, z);
}

WanVAE load_wan_vae(const io::WeightStore& store, torch::Device device) {
  const auto config = WanVAEConfig::infer(store);
  WanVAE vae(config);
  io::LoadOptions options;
  const bool original = store.contains("encoder.conv1.weight");
  if (original) {
    const int64_t num_res_blocks = config.num_res_blocks;
    options.stored_name = [num_res_blocks](const std::string& name) {
      return diffusers_to_original_vae_name(name, num_res_blocks);
    };
  }
  try {
    vae->to(device);  // first, so that the weights are copied once, straight to the device
  } catch (...) {
    rethrow_as_blade_error(fmt::format("moving the Wan-VAE to {}", device.str()));
  }
  io::load_module(*vae, store, options);
  vae->eval();
  vae_log()->info("{} ({} names) from {} on {}", config.describe(), original ? "original Wan" : "diffusers",
                  store.root().string(), device.str());
  return vae;
}

WanVAE cast_wan_vae(const WanVAE& vae, torch::Dtype dtype) {
  torch::NoGradGuard no_grad;
  const auto device = vae->parameters().front().device();
  WanVAE copy(vae->config());
  try {
    copy->to(device, dtype);
    auto targets = copy->named_parameters();
    for (const auto& source : vae->named_parameters()) targets[source.key()].copy_(source.value());
    auto target_buffers = copy->named_buffers();
    for (const auto& source : vae->named_buffers()) target_buffers[source.key()].copy_(source.value());
  } catch (...) {
    rethrow_as_blade_error(fmt::format("making a {} copy of the Wan-VAE on {}", c10::toString(dtype), device.str()));
  }
  copy->eval();
  return copy;
}

}  // namespace blade::models
