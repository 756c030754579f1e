#pragma once
// The size of a umT5 encoder, read from its weights (and config.json beside them when present).

#include "io/weight_store.h"

#include <cstdint>
#include <string>

namespace blade::models {

struct UMT5Config {
  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t num_heads = 0;
  int64_t d_kv = 0;
  int64_t d_ff = 0;
  int64_t num_layers = 0;
  int64_t num_buckets = 32;
  int64_t max_distance = 128;
  double eps = 1e-6;

  // Sizes come from the tensor shapes under HF UMT5EncoderModel names: vocab and d_model from
  // shared.weight, layers from encoder.block.N, heads from the per-layer relative_attention_bias
  // [num_buckets, heads], d_kv = q rows / heads, d_ff from wi_0. config.json (next to the file, or
  // in the folder) adds max_distance and eps and must agree with the shapes. Without a bias table,
  // heads come from config.json, else d_kv 64 is assumed. Throws BadWeights naming the tensor or file.
  static UMT5Config infer(const io::WeightStore& store);

  std::string describe() const;  // "umT5 encoder: 24 layers, d_model 4096, 64 heads x 64, ..."
};

}  // namespace blade::models
