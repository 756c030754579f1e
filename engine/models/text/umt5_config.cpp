#include "models/text/umt5_config.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <set>

namespace blade::models {

namespace {

const io::TensorRecord& require(const io::WeightStore& store, const std::string& name, size_t rank) {
  if (!store.contains(name)) {
    fail(ErrorKind::BadWeights, "{}: there is no tensor '{}', which a umT5 encoder (HF UMT5EncoderModel names) needs",
         store.root().string(), name);
  }
  const auto& record = store.record(name);
  if (record.shape.size() != rank) {
    fail(ErrorKind::BadWeights, "{}: tensor '{}' has shape {}, expected {} dimensions", store.file_of(name).string(),
         name, shape_string(record.shape), rank);
  }
  return record;
}

std::filesystem::path config_json_of(const io::WeightStore& store) {
  const auto& root = store.root();
  std::error_code error;
  return std::filesystem::is_directory(root, error) ? root / "config.json" : root.parent_path() / "config.json";
}

std::optional<nlohmann::json> read_json(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  std::ifstream stream(path);
  if (!stream) fail(ErrorKind::Io, "cannot open {}", path.string());
  try {
    return nlohmann::json::parse(stream);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "{} is not valid JSON: {}", path.string(), e.what());
  }
}

// Reads an optional numeric field; throws BadWeights naming the file when it has the wrong type.
template <typename T>
std::optional<T> field(const nlohmann::json& json, const char* key, const std::filesystem::path& path) {
  if (!json.contains(key) || json[key].is_null()) return std::nullopt;
  if (!json[key].is_number()) {
    fail(ErrorKind::BadWeights, "{}: \"{}\" must be a number, found {}", path.string(), key, json[key].dump());
  }
  return json[key].get<T>();
}

void check_agrees(const std::filesystem::path& path, const char* key, int64_t from_file, int64_t from_shapes,
                  const std::string& tensor) {
  if (from_file != from_shapes) {
    fail(ErrorKind::BadWeights, "{}: \"{}\" is {} but tensor '{}' implies {}", path.string(), key, from_file, tensor,
         from_shapes);
  }
}

}  // namespace

UMT5Config UMT5Config::infer(const io::WeightStore& store) {
  UMT5Config config;
  const std::string embedding = store.contains("shared.weight") || !store.contains("encoder.embed_tokens.weight")
                                    ? "shared.weight"
                                    : "encoder.embed_tokens.weight";
  const auto& shared = require(store, embedding, 2);
  config.vocab_size = shared.shape[0];
  config.d_model = shared.shape[1];

  const std::string prefix = "encoder.block.";
  std::set<int64_t> blocks;
  for (const auto& name : store.names()) {
    if (name.rfind(prefix, 0) != 0) continue;
    const auto dot = name.find('.', prefix.size());
    try {
      blocks.insert(std::stoll(name.substr(prefix.size(), dot - prefix.size())));
    } catch (const std::exception&) {
      fail(ErrorKind::BadWeights, "{}: tensor '{}' has no layer number after '{}'", store.root().string(), name, prefix);
    }
  }
  if (blocks.empty()) fail(ErrorKind::BadWeights, "{}: no 'encoder.block.N' tensors (umT5 layers)", store.root().string());
  config.num_layers = *blocks.rbegin() + 1;
  if (static_cast<int64_t>(blocks.size()) != config.num_layers) {
    fail(ErrorKind::BadWeights, "{}: umT5 layers are numbered up to {} but only {} of them are stored",
         store.root().string(), config.num_layers - 1, blocks.size());
  }

  const std::string q_name = "encoder.block.0.layer.0.SelfAttention.q.weight";
  const std::string bias_name = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
  const std::string wi_name = "encoder.block.0.layer.1.DenseReluDense.wi_0.weight";
  const int64_t inner_dim = require(store, q_name, 2).shape[0];
  config.d_ff = require(store, wi_name, 2).shape[0];

  const auto json_path = config_json_of(store);
  const auto json = read_json(json_path);
  std::optional<int64_t> json_heads;
  if (json) {
    json_heads = field<int64_t>(*json, "num_heads", json_path);
    if (auto v = field<int64_t>(*json, "relative_attention_max_distance", json_path)) config.max_distance = *v;
    if (auto v = field<double>(*json, "layer_norm_epsilon", json_path)) config.eps = *v;
    if (auto v = field<int64_t>(*json, "relative_attention_num_buckets", json_path)) config.num_buckets = *v;
    const std::string activation = json->value("feed_forward_proj", std::string("gated-gelu"));
    if (activation != "gated-gelu") {
      fail(ErrorKind::Unsupported, "{}: feed_forward_proj is \"{}\"; only umT5's \"gated-gelu\" is supported",
           json_path.string(), activation);
    }
    if (auto v = field<int64_t>(*json, "d_model", json_path)) check_agrees(json_path, "d_model", *v, config.d_model, embedding);
    if (auto v = field<int64_t>(*json, "d_ff", json_path)) check_agrees(json_path, "d_ff", *v, config.d_ff, wi_name);
    if (auto v = field<int64_t>(*json, "num_layers", json_path)) {
      check_agrees(json_path, "num_layers", *v, config.num_layers, "encoder.block.N");
    }
  }

  if (store.contains(bias_name)) {
    const auto& bias = require(store, bias_name, 2);
    if (json && json->contains("relative_attention_num_buckets")) {
      check_agrees(json_path, "relative_attention_num_buckets", config.num_buckets, bias.shape[0], bias_name);
    }
    config.num_buckets = bias.shape[0];
    config.num_heads = bias.shape[1];
    if (json_heads) check_agrees(json_path, "num_heads", *json_heads, config.num_heads, bias_name);
  } else {
    config.num_heads = json_heads ? *json_heads : inner_dim / 64;  // the loader reports the missing table
  }
  if (config.num_heads <= 0 || inner_dim % config.num_heads != 0) {
    fail(ErrorKind::BadWeights, "{}: tensor '{}' has {} rows, which {} heads do not divide", store.root().string(),
         q_name, inner_dim, config.num_heads);
  }
  config.d_kv = inner_dim / config.num_heads;
  if (json) {
    if (auto v = field<int64_t>(*json, "d_kv", json_path)) check_agrees(json_path, "d_kv", *v, config.d_kv, q_name);
  }
  if (config.num_buckets < 4 || config.max_distance <= config.num_buckets / 4) {
    fail(ErrorKind::BadWeights, "{}: {} relative buckets with max distance {} do not make a umT5 bucket table",
         json_path.string(), config.num_buckets, config.max_distance);
  }
  return config;
}

std::string UMT5Config::describe() const {
  return fmt::format("umT5 encoder: {} layers, d_model {}, {} heads x {}, d_ff {}, vocab {}, {} buckets up to {}",
                     num_layers, d_model, num_heads, d_kv, d_ff, vocab_size, num_buckets, max_distance);
}

}  // namespace blade::models
