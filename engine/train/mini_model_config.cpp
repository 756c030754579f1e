#include "train/mini_model_config.h"

#include "core/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace blade::train {

void MiniModelConfig::validate() const {
  const auto& d = dit;
  if (d.num_heads <= 0 || d.head_dim <= 0 || d.num_heads * d.head_dim != d.dim || d.head_dim % 2 != 0) {
    fail(ErrorKind::InvalidArgument, "DiT dim {} must equal heads {} x head dim {} (even)", d.dim, d.num_heads,
         d.head_dim);
  }
  if (d.in_channels != 3 || d.out_channels != 3) {
    fail(ErrorKind::InvalidArgument, "a pixel-space DiT takes and returns 3 channels, got in {} out {}",
         d.in_channels, d.out_channels);
  }
  if (d.num_layers < 1 || d.ffn_dim < 1 || d.freq_dim < 2 || d.freq_dim % 2 != 0) {
    fail(ErrorKind::InvalidArgument, "DiT needs layers >= 1, ffn >= 1 and an even freq dim, got {} / {} / {}",
         d.num_layers, d.ffn_dim, d.freq_dim);
  }
  if (d.text_dim != text.d_model) {
    fail(ErrorKind::InvalidArgument, "DiT text_dim {} must equal the text encoder's d_model {}", d.text_dim,
         text.d_model);
  }
  if (text.num_heads <= 0 || text.d_kv <= 0 || text.d_ff <= 0 || text.num_layers <= 0 || text.d_model <= 0) {
    fail(ErrorKind::InvalidArgument, "text encoder sizes must be positive: {}", text.describe());
  }
  if (clip.frames % d.patch[0] != 0 || clip.height % d.patch[1] != 0 || clip.width % d.patch[2] != 0 ||
      clip.frames < 1 || clip.height < 1 || clip.width < 1) {
    fail(ErrorKind::InvalidArgument, "clip {}x{}x{} (frames x height x width) is not a multiple of the patch {}x{}x{}",
         clip.frames, clip.height, clip.width, d.patch[0], d.patch[1], d.patch[2]);
  }
  if (text_len < 2) fail(ErrorKind::InvalidArgument, "text_len must be at least 2, got {}", text_len);
  if (!(flow_shift > 0.0)) fail(ErrorKind::InvalidArgument, "flow_shift must be positive, got {}", flow_shift);
}

int64_t MiniModelConfig::tokens_per_clip(const ClipShape& shape) const {
  return (shape.frames / dit.patch[0]) * (shape.height / dit.patch[1]) * (shape.width / dit.patch[2]);
}

MiniModelConfig blade_mini_config() {
  MiniModelConfig c;
  c.dit.in_channels = 3;
  c.dit.out_channels = 3;
  c.dit.dim = 256;
  c.dit.num_heads = 4;
  c.dit.head_dim = 64;
  c.dit.num_layers = 6;
  c.dit.ffn_dim = 1024;
  c.dit.freq_dim = 256;
  c.dit.text_dim = 256;
  c.dit.patch = {1, 4, 4};
  c.dit.eps = 1e-6;
  c.text.d_model = 256;
  c.text.num_heads = 4;
  c.text.d_kv = 64;
  c.text.d_ff = 1024;
  c.text.num_layers = 4;
  c.text.num_buckets = 32;
  c.text.max_distance = 128;
  c.text.eps = 1e-6;
  c.text_len = 512;
  c.clip = {17, 64, 64};
  c.flow_shift = 3.0;
  return c;
}

// Field by field through to_json, so a field added to the config is compared without more code.
// The vocabulary size follows the tokenizer and the DiT eps is not stored in model folders.
std::vector<std::string> model_config_differences(const MiniModelConfig& expected, const MiniModelConfig& got) {
  const auto e = to_json(expected).flatten(), g = to_json(got).flatten();
  std::vector<std::string> out;
  for (const auto& [pointer, value] : e.items()) {
    if (pointer == "/text/vocab_size" || pointer == "/dit/eps" || g.value(pointer, nlohmann::json()) == value) continue;
    std::string field = pointer.substr(1);
    std::replace(field.begin(), field.end(), '/', '.');
    out.push_back(fmt::format("{} expected {}, got {}", field, value.dump(), g.value(pointer, nlohmann::json()).dump()));
  }
  return out;
}

nlohmann::json to_json(const MiniModelConfig& c) {
  return {{"dit",
           {{"in_channels", c.dit.in_channels},
            {"out_channels", c.dit.out_channels},
            {"dim", c.dit.dim},
            {"num_heads", c.dit.num_heads},
            {"head_dim", c.dit.head_dim},
            {"num_layers", c.dit.num_layers},
            {"ffn_dim", c.dit.ffn_dim},
            {"freq_dim", c.dit.freq_dim},
            {"text_dim", c.dit.text_dim},
            {"patch", {c.dit.patch[0], c.dit.patch[1], c.dit.patch[2]}},
            {"eps", c.dit.eps}}},
          {"text",
           {{"vocab_size", c.text.vocab_size},
            {"d_model", c.text.d_model},
            {"num_heads", c.text.num_heads},
            {"d_kv", c.text.d_kv},
            {"d_ff", c.text.d_ff},
            {"num_layers", c.text.num_layers},
            {"num_buckets", c.text.num_buckets},
            {"max_distance", c.text.max_distance},
            {"eps", c.text.eps}}},
          {"text_len", c.text_len},
          {"clip", {{"frames", c.clip.frames}, {"height", c.clip.height}, {"width", c.clip.width}}},
          {"flow_shift", c.flow_shift}};
}

MiniModelConfig mini_model_config_from_json(const nlohmann::json& json) {
  try {
    MiniModelConfig c;
    const auto& d = json.at("dit");
    c.dit.in_channels = d.at("in_channels").get<int64_t>();
    c.dit.out_channels = d.at("out_channels").get<int64_t>();
    c.dit.dim = d.at("dim").get<int64_t>();
    c.dit.num_heads = d.at("num_heads").get<int64_t>();
    c.dit.head_dim = d.at("head_dim").get<int64_t>();
    c.dit.num_layers = d.at("num_layers").get<int64_t>();
    c.dit.ffn_dim = d.at("ffn_dim").get<int64_t>();
    c.dit.freq_dim = d.at("freq_dim").get<int64_t>();
    c.dit.text_dim = d.at("text_dim").get<int64_t>();
    const auto patch = d.at("patch").get<std::vector<int64_t>>();
    if (patch.size() != 3) fail(ErrorKind::BadWeights, "model config: dit.patch needs 3 values, got {}", patch.size());
    c.dit.patch = {patch[0], patch[1], patch[2]};
    c.dit.eps = d.at("eps").get<double>();
    const auto& t = json.at("text");
    c.text.vocab_size = t.at("vocab_size").get<int64_t>();
    c.text.d_model = t.at("d_model").get<int64_t>();
    c.text.num_heads = t.at("num_heads").get<int64_t>();
    c.text.d_kv = t.at("d_kv").get<int64_t>();
    c.text.d_ff = t.at("d_ff").get<int64_t>();
    c.text.num_layers = t.at("num_layers").get<int64_t>();
    c.text.num_buckets = t.at("num_buckets").get<int64_t>();
    c.text.max_distance = t.at("max_distance").get<int64_t>();
    c.text.eps = t.at("eps").get<double>();
    c.text_len = json.at("text_len").get<int64_t>();
    const auto& clip = json.at("clip");
    c.clip = {clip.at("frames").get<int64_t>(), clip.at("height").get<int64_t>(), clip.at("width").get<int64_t>()};
    c.flow_shift = json.at("flow_shift").get<double>();
    return c;
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "model config JSON is missing a field or has a wrong type: {}", e.what());
  }
}

}  // namespace blade::train
