#include "pipeline/model_presets.h"

#include "core/error.h"

#include <fmt/ranges.h>

namespace blade::pipeline {
namespace {

models::UMT5Config umt5_xxl() {
  models::UMT5Config config;
  config.vocab_size = 256384;
  config.d_model = 4096;
  config.num_heads = 64;
  config.d_kv = 64;
  config.d_ff = 10240;
  config.num_layers = 24;
  return config;
}

models::WanDiTConfig wan_dit(int64_t dim, int64_t ffn_dim, int64_t heads, int64_t layers, int64_t text_dim) {
  models::WanDiTConfig config;
  config.in_channels = 16;
  config.out_channels = 16;
  config.dim = dim;
  config.ffn_dim = ffn_dim;
  config.freq_dim = 256;
  config.text_dim = text_dim;
  config.num_heads = heads;
  config.head_dim = dim / heads;
  config.num_layers = layers;
  config.patch = {1, 2, 2};
  return config;
}

}  // namespace

std::vector<std::string> model_preset_names() { return {"wan2.1-t2v-1.3b", "wan2.1-t2v-14b", "wan-tiny"}; }

ModelPreset model_preset(const std::string& name) {
  ModelPreset preset;
  preset.name = name;
  if (name == "wan2.1-t2v-1.3b") {
    preset.dit = wan_dit(1536, 8960, 12, 30, 4096);
    preset.text_encoder = umt5_xxl();
  } else if (name == "wan2.1-t2v-14b") {
    preset.dit = wan_dit(5120, 13824, 40, 40, 4096);
    preset.text_encoder = umt5_xxl();
    preset.flow_shift = 5.0;
  } else if (name == "wan-tiny") {
    preset.dit = wan_dit(24, 32, 2, 2, 32);
    preset.text_encoder = umt5_xxl();
    preset.text_encoder.vocab_size = 1000;
    preset.text_encoder.d_model = 32;
    preset.text_encoder.num_heads = 4;
    preset.text_encoder.d_kv = 8;
    preset.text_encoder.d_ff = 64;
    preset.text_encoder.num_layers = 2;
    preset.vae.base_dim = 3;
    preset.vae.dim_mult = {1, 1, 1, 1};
    preset.vae.num_res_blocks = 1;
  } else {
    fail(ErrorKind::InvalidArgument, "unknown model '{}': expected one of {}", name, fmt::join(model_preset_names(), ", "));
  }
  return preset;
}

}  // namespace blade::pipeline
