#include "models/vae/wan_vae_config.h"

#include "core/error.h"
#include "core/log.h"
#include "io/weight_store.h"
#include "models/vae/wan_vae_names.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>

namespace blade::models {
namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

const std::vector<int64_t>& shape_of(const Shapes& shapes, const std::string& name, size_t rank,
                                     const std::string& source) {
  const auto it = shapes.find(name);
  if (it == shapes.end()) {
    fail(ErrorKind::BadWeights, "{}: the Wan-VAE tensor '{}' is missing", source, name);
  }
  if (it->second.size() != rank) {
    fail(ErrorKind::BadWeights, "{}: tensor '{}' should have {} dimensions, found shape [{}]", source, name,
         rank, fmt::join(it->second, ", "));
  }
  return it->second;
}

bool has_prefix(const Shapes& shapes, const std::string& prefix) {
  const auto it = shapes.lower_bound(prefix);
  return it != shapes.end() && it->first.starts_with(prefix);
}

// The number of residual blocks in front of the first resample of an original-named encoder.
int64_t original_num_res_blocks(const io::WeightStore& store) {
  int64_t count = 0;
  while (store.contains(fmt::format("encoder.downsamples.{}.residual.0.gamma", count))) ++count;
  if (count == 0) {
    fail(ErrorKind::BadWeights, "{}: no residual block 'encoder.downsamples.0.residual.*' in the Wan-VAE weights",
         store.root().string());
  }
  return count;
}

// latents_mean/std from a diffusers vae/config.json beside the weights, when it has them.
void read_latent_statistics(const io::WeightStore& store, WanVAEConfig& config) {
  static auto log = blade::log::get("vae");
  namespace fs = std::filesystem;
  const fs::path root = store.root();
  const fs::path json_path = fs::is_directory(root) ? root / "config.json" : root.parent_path() / "config.json";
  std::error_code ec;
  if (!fs::is_regular_file(json_path, ec)) return;
  nlohmann::json json;
  try {
    std::ifstream in(json_path);
    json = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    log->warn("{}: not read as the VAE config ({}); using the Wan2.1 latent statistics", json_path.string(),
              e.what());
    return;
  }
  if (!json.is_object() || !json.contains("latents_mean") || !json.contains("latents_std")) return;
  try {
    auto mean = json.at("latents_mean").get<std::vector<double>>();
    auto stds = json.at("latents_std").get<std::vector<double>>();
    const auto z = static_cast<size_t>(config.z_dim);
    if (mean.size() != z || stds.size() != z) {
      fail(ErrorKind::BadWeights, "{}: latents_mean/latents_std have {}/{} values, the weights have z_dim {}",
           json_path.string(), mean.size(), stds.size(), config.z_dim);
    }
    for (double s : stds) {
      if (!(s > 0.0)) fail(ErrorKind::BadWeights, "{}: latents_std holds {}, must be > 0", json_path.string(), s);
    }
    config.latents_mean = std::move(mean);
    config.latents_std = std::move(stds);
    log->debug("latent statistics from {}", json_path.string());
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "{}: latents_mean/latents_std are not lists of numbers ({})", json_path.string(),
         e.what());
  }
}

}  // namespace

const std::vector<double>& wan21_latents_mean() {
  static const std::vector<double> values{-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
                                          0.4134,  -0.0715, 0.5517,  -0.3632, -0.1922, -0.9497, 0.2503, -0.2921};
  return values;
}

const std::vector<double>& wan21_latents_std() {
  static const std::vector<double> values{2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                                          3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160};
  return values;
}

WanVAEConfig::WanVAEConfig() : latents_mean(wan21_latents_mean()), latents_std(wan21_latents_std()) {}

int64_t WanVAEConfig::time_factor() const {
  int64_t factor = 1;
  for (bool t : temporal_downsample) factor *= t ? 2 : 1;
  return factor;
}

int64_t WanVAEConfig::spatial_factor() const { return int64_t{1} << temporal_downsample.size(); }

std::string WanVAEConfig::describe() const {
  std::vector<std::string> temporal;
  for (bool t : temporal_downsample) temporal.push_back(t ? "true" : "false");
  return fmt::format("Wan-VAE base_dim {}, z_dim {}, dim_mult [{}], {} res blocks, temporal downsample [{}]{}, "
                     "{}x spatial / {}x temporal",
                     base_dim, z_dim, fmt::join(dim_mult, ", "), num_res_blocks, fmt::join(temporal, ", "),
                     norm_bias ? ", norms with bias" : "", spatial_factor(), time_factor());
}

WanVAEConfig WanVAEConfig::infer_from_shapes(const Shapes& shapes, const std::string& source) {
  WanVAEConfig config;
  if (has_prefix(shapes, "encoder.down_blocks.0.resnets.")) {
    fail(ErrorKind::Unsupported, "{}: this is a Wan2.2-style VAE (residual down blocks); only the Wan2.1 VAE is "
         "supported", source);
  }
  const auto& conv_in = shape_of(shapes, "encoder.conv_in.weight", 5, source);
  config.base_dim = conv_in[0];
  if (conv_in[1] != 3) {
    fail(ErrorKind::Unsupported, "{}: the VAE encoder takes {} input channels (a patchified VAE); only the "
         "Wan2.1 VAE with 3 is supported", source, conv_in[1]);
  }
  config.z_dim = shape_of(shapes, "post_quant_conv.weight", 5, source)[0];
  const auto& quant = shape_of(shapes, "quant_conv.weight", 5, source);
  if (quant[0] != 2 * config.z_dim) {
    fail(ErrorKind::BadWeights, "{}: quant_conv has {} output channels, expected 2 x z_dim = {}", source, quant[0],
         2 * config.z_dim);
  }
  // The flat encoder list: per level num_res_blocks residual blocks, then a resample (not after the last).
  std::vector<int64_t> resnets_per_level{0};
  config.dim_mult.clear();
  config.temporal_downsample.clear();
  int64_t level_dim = config.base_dim;
  for (int64_t k = 0; has_prefix(shapes, fmt::format("encoder.down_blocks.{}.", k)); ++k) {
    const std::string prefix = fmt::format("encoder.down_blocks.{}.", k);
    if (shapes.contains(prefix + "conv1.weight")) {
      level_dim = shape_of(shapes, prefix + "conv1.weight", 5, source)[0];
      ++resnets_per_level.back();
    } else if (shapes.contains(prefix + "resample.1.weight")) {
      config.dim_mult.push_back(level_dim);
      config.temporal_downsample.push_back(shapes.contains(prefix + "time_conv.weight"));
      resnets_per_level.push_back(0);
    } else {
      fail(ErrorKind::BadWeights, "{}: '{}*' is neither a residual block nor a resample", source, prefix);
    }
  }
  config.dim_mult.push_back(level_dim);
  config.num_res_blocks = resnets_per_level.front();
  for (size_t level = 0; level < resnets_per_level.size(); ++level) {
    if (resnets_per_level[level] != config.num_res_blocks || config.num_res_blocks == 0) {
      fail(ErrorKind::BadWeights, "{}: encoder level {} has {} residual blocks, level 0 has {}", source, level,
           resnets_per_level[level], config.num_res_blocks);
    }
  }
  for (auto& mult : config.dim_mult) {
    if (mult % config.base_dim != 0) {
      fail(ErrorKind::BadWeights, "{}: an encoder level has {} channels, not a multiple of base_dim {}", source,
           mult, config.base_dim);
    }
    mult /= config.base_dim;
  }
  const auto& decoder_in = shape_of(shapes, "decoder.conv_in.weight", 5, source);
  if (decoder_in[1] != config.z_dim) {
    fail(ErrorKind::BadWeights, "{}: decoder.conv_in takes {} channels, the latent has z_dim {}", source,
         decoder_in[1], config.z_dim);
  }
  config.norm_bias = shapes.contains("encoder.norm_out.bias");
  if (config.z_dim != 16) {
    // The Wan2.1 constants do not fit; identity statistics until a config.json provides real ones.
    config.latents_mean.assign(static_cast<size_t>(config.z_dim), 0.0);
    config.latents_std.assign(static_cast<size_t>(config.z_dim), 1.0);
  }
  return config;
}

WanVAEConfig WanVAEConfig::infer(const io::WeightStore& store) {
  const std::string source = store.root().string();
  const bool original = store.contains("encoder.conv1.weight");
  if (!original && !store.contains("encoder.conv_in.weight")) {
    fail(ErrorKind::BadWeights, "{}: not a Wan-VAE: neither 'encoder.conv_in.weight' (diffusers) nor "
         "'encoder.conv1.weight' (original Wan) is present", source);
  }
  const int64_t num_res_blocks = original ? original_num_res_blocks(store) : 0;
  Shapes shapes;
  for (const auto& name : store.names()) {
    const auto& shape = store.record(name).shape;
    shapes[original ? original_to_diffusers_vae_name(name, num_res_blocks) : name] = shape;
  }
  auto config = infer_from_shapes(shapes, source);
  read_latent_statistics(store, config);
  return config;
}

}  // namespace blade::models
