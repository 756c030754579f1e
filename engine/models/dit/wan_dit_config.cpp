#include "models/dit/wan_dit_config.h"

#include "core/error.h"
#include "core/log.h"
#include "core/tensor_format.h"
#include "io/weight_store.h"
#include "models/dit/wan_dit_names.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace blade::models {
namespace {

// Real Wan models use head_dim 128 (1.3B: 12 x 128, 14B: 40 x 128); tiny test models do not, and
// need their config.json.
constexpr int64_t kWanHeadDim = 128;

class ShapeReader {
 public:
  ShapeReader(const TensorShapes& shapes, const std::string& source, WanNameLayout layout)
      : shapes_(shapes), source_(source), layout_(layout) {}

  // Shape of the tensor with this diffusers name, checked for `rank`; `purpose` says why it is needed.
  const std::vector<int64_t>& shape(const std::string& diffusers_name, size_t rank, const char* purpose) const {
    const std::string stored =
        layout_ == WanNameLayout::Diffusers ? diffusers_name : diffusers_to_original_dit_name(diffusers_name);
    const auto it = shapes_.find(stored);
    if (it == shapes_.end()) {
      fail(ErrorKind::BadWeights, "{}: Wan DiT tensor '{}' ({} layout) is missing; it is needed for {}", source_,
           stored, to_string(layout_), purpose);
    }
    if (it->second.size() != rank) {
      fail(ErrorKind::BadWeights, "{}: Wan DiT tensor '{}' has shape {}, expected {} dimensions ({})", source_, stored,
           shape_string(it->second), rank, purpose);
    }
    return it->second;
  }

  bool contains(const std::string& diffusers_name) const {
    const std::string stored =
        layout_ == WanNameLayout::Diffusers ? diffusers_name : diffusers_to_original_dit_name(diffusers_name);
    return shapes_.count(stored) != 0;
  }

  void expect(const std::string& diffusers_name, const std::vector<int64_t>& expected, const char* purpose) const {
    const auto& found = shape(diffusers_name, expected.size(), purpose);
    if (found != expected) {
      fail(ErrorKind::BadWeights, "{}: Wan DiT tensor '{}' has shape {}, expected {} ({})", source_,
           layout_ == WanNameLayout::Diffusers ? diffusers_name : diffusers_to_original_dit_name(diffusers_name),
           shape_string(found), shape_string(expected), purpose);
    }
  }

 private:
  const TensorShapes& shapes_;
  const std::string& source_;
  WanNameLayout layout_;
};

int64_t count_layers(const TensorShapes& shapes, const std::string& source) {
  int64_t highest = -1;
  for (const auto& [name, shape] : shapes) {
    if (!name.starts_with("blocks.")) continue;
    const size_t end = name.find('.', 7);
    try {
      highest = std::max<int64_t>(highest, std::stoll(name.substr(7, end - 7)));
    } catch (const std::exception&) {
      fail(ErrorKind::BadWeights, "{}: tensor '{}' has no block number after 'blocks.'", source, name);
    }
  }
  if (highest < 0) fail(ErrorKind::BadWeights, "{}: no 'blocks.<i>.' tensors, expected at least one DiT block", source);
  return highest + 1;
}

}  // namespace

WanDiTConfig WanDiTConfig::infer_from_shapes(const TensorShapes& shapes, const std::string& source, int64_t num_heads) {
  std::vector<std::string> names;
  names.reserve(shapes.size());
  for (const auto& entry : shapes) names.push_back(entry.first);
  const WanNameLayout layout = detect_dit_layout(names, source);
  const ShapeReader reader(shapes, source, layout);

  WanDiTConfig config;
  const auto& patch = reader.shape("patch_embedding.weight", 5, "dim, input channels and patch size");
  config.dim = patch[0];
  config.in_channels = patch[1];
  config.patch = {patch[2], patch[3], patch[4]};
  const int64_t dim = config.dim;

  const auto& time_in = reader.shape("condition_embedder.time_embedder.linear_1.weight", 2, "the sinusoid size");
  config.freq_dim = time_in[1];
  const auto& text_in = reader.shape("condition_embedder.text_embedder.linear_1.weight", 2, "the text dim");
  config.text_dim = text_in[1];
  const auto& ffn = reader.shape("blocks.0.ffn.net.0.proj.weight", 2, "the feed-forward size");
  config.ffn_dim = ffn[0];
  const auto& head = reader.shape("proj_out.weight", 2, "the output channels");
  const int64_t patch_volume = config.patch[0] * config.patch[1] * config.patch[2];
  if (patch_volume <= 0 || head[0] % patch_volume != 0) {
    fail(ErrorKind::BadWeights, "{}: output projection has {} rows, expected a multiple of the patch volume {}", source,
         head[0], patch_volume);
  }
  config.out_channels = head[0] / patch_volume;
  config.num_layers = count_layers(shapes, source);

  // Cross-check the shapes the module relies on, so that a wrong file fails here with a clear name.
  reader.expect("condition_embedder.time_embedder.linear_1.weight", {dim, config.freq_dim}, "time MLP");
  reader.expect("condition_embedder.time_proj.weight", {6 * dim, dim}, "6-way modulation");
  reader.expect("scale_shift_table", {1, 2, dim}, "head modulation");
  reader.expect("proj_out.weight", {config.out_channels * patch_volume, dim}, "output projection");
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const std::string block = fmt::format("blocks.{}.", i);
    if (!reader.contains(block + "attn1.to_q.weight")) {
      reader.shape(block + "attn1.to_q.weight", 2, fmt::format("block {} of {}", i, config.num_layers).c_str());
    }
    reader.expect(block + "scale_shift_table", {1, 6, dim}, "block modulation");
  }

  if (num_heads > 0) {
    if (dim % num_heads != 0) {
      fail(ErrorKind::BadWeights, "{}: config gives {} attention heads, which do not divide the DiT dim {}", source,
           num_heads, dim);
    }
    config.num_heads = num_heads;
  } else if (dim % kWanHeadDim == 0) {
    config.num_heads = dim / kWanHeadDim;
  } else {
    fail(ErrorKind::BadWeights, "{}: cannot tell the attention head count of this Wan DiT (dim {} is not a multiple of "
         "the usual head size {}); put its config.json (with num_attention_heads or num_heads) beside the weights",
         source, dim, kWanHeadDim);
  }
  config.head_dim = dim / config.num_heads;
  if (config.head_dim % 2 != 0) {
    fail(ErrorKind::BadWeights, "{}: head size {} (dim {} / {} heads) is odd; 3D RoPE needs an even head size", source,
         config.head_dim, dim, config.num_heads);
  }
  return config;
}

int64_t read_num_heads_from_config_json(const std::filesystem::path& weights_path) {
  std::error_code ec;
  const auto folder = std::filesystem::is_directory(weights_path, ec) ? weights_path : weights_path.parent_path();
  const auto path = folder / "config.json";
  if (!std::filesystem::is_regular_file(path, ec)) return 0;
  std::ifstream file(path);
  if (!file) fail(ErrorKind::Io, "cannot read {}", path.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(file);
  } catch (const std::exception& e) {
    fail(ErrorKind::BadWeights, "{}: not valid JSON ({})", path.string(), e.what());
  }
  for (const char* key : {"num_attention_heads", "num_heads"}) {
    if (json.is_object() && json.contains(key)) {
      if (!json[key].is_number_integer() || json[key].get<int64_t>() <= 0) {
        fail(ErrorKind::BadWeights, "{}: '{}' is {}, expected a positive integer", path.string(), key, json[key].dump());
      }
      return json[key].get<int64_t>();
    }
  }
  return 0;
}

WanDiTConfig WanDiTConfig::infer(const io::WeightStore& store) {
  TensorShapes shapes;
  for (const auto& name : store.names()) shapes.emplace(name, store.record(name).shape);
  const WanDiTConfig config =
      infer_from_shapes(shapes, store.root().string(), read_num_heads_from_config_json(store.root()));
  static auto log = blade::log::get("dit");
  log->debug("{}: {}", store.root().string(), config.describe());
  return config;
}

std::string WanDiTConfig::describe() const {
  return fmt::format("Wan DiT: dim {}, {} layers, {} heads x {}, ffn {}, text {}, freq {}, channels {} -> {}, "
                     "patch {}x{}x{}", dim, num_layers, num_heads, head_dim, ffn_dim, text_dim, freq_dim, in_channels,
                     out_channels, patch[0], patch[1], patch[2]);
}

}  // namespace blade::models
