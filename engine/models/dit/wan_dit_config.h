#pragma once
// Hyper-parameters of a Wan DiT, inferred from the tensor shapes of its weights so that any size
// (1.3B, 14B, tiny test models) loads without a hand-written config.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace blade::io {
class WeightStore;
}

namespace blade::models {

using TensorShapes = std::map<std::string, std::vector<int64_t>>;  // stored name -> shape

struct WanDiTConfig {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t dim = 0;
  int64_t ffn_dim = 0;
  int64_t freq_dim = 0;
  int64_t text_dim = 0;
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  int64_t num_layers = 0;
  std::array<int64_t, 3> patch{0, 0, 0};  // (time, height, width)
  double eps = 1e-6;

  // Either name layout. The head count is not in any shape: it comes from a config.json beside
  // the weights (see infer_num_heads); other errors (BadWeights) name the missing or odd tensor.
  static WanDiTConfig infer(const io::WeightStore& store);
  // `num_heads` 0 = unknown (then head_dim 128 is assumed when dim allows it).
  static WanDiTConfig infer_from_shapes(const TensorShapes& shapes, const std::string& source, int64_t num_heads = 0);

  std::string describe() const;  // one line for `blade info`
};

// The head count written in a config.json beside the weights: diffusers' transformer/config.json
// ("num_attention_heads") or the original Wan config.json ("num_heads"). 0 when there is no such
// file or key; throws BadWeights when the file exists but is not valid JSON.
int64_t read_num_heads_from_config_json(const std::filesystem::path& weights_path);

}  // namespace blade::models
