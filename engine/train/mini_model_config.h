#pragma once
// The size of a model trained from scratch in pixel space (BLADE-mini): a Wan DiT that works on
// video in [-1, 1] directly (3 channels, patch 1x4x4, no VAE), a small umT5 text encoder and the
// text length the pipeline pads prompts to.

#include "models/dit/wan_dit_config.h"
#include "models/text/umt5_config.h"
#include "train/clip_source.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace blade::train {

struct MiniModelConfig {
  models::WanDiTConfig dit;
  models::UMT5Config text;  // vocab_size 0 until the tokenizer is trained
  int64_t text_len = 512;   // rows of the DiT context, as models::TextEncoder pads them
  ClipShape clip;           // the training (and default generation) clip
  double flow_shift = 3.0;  // training sigma density and the exported sampler's shift

  // Throws InvalidArgument naming the inconsistent field (head size, patch vs clip, text dims...).
  void validate() const;
  int64_t tokens_per_clip() const { return tokens_per_clip(clip); }
  int64_t tokens_per_clip(const ClipShape& shape) const;  // shape: whole patches
};

// dim 256, 4 heads x 64, 6 layers, ffn 1024; umT5 d_model 256, 4 heads x 64, d_ff 1024, 4 layers;
// 17 frames at 64x64 (17 x 16 x 16 = 4352 tokens); text_len 512, as Wan2.1 (the grammar's prompts take at
// most 62 tokens; a 64-token context trained no better at equal iterations, docs/benchmarks.md).
MiniModelConfig blade_mini_config();

// One "<field> expected <a>, got <b>" line per field in which `got` differs from `expected`: the
// DiT and text encoder sizes, patch, text_len, clip and flow_shift. Left out: the vocabulary size
// (it follows the tokenizer) and the DiT eps (model folders do not store it).
std::vector<std::string> model_config_differences(const MiniModelConfig& expected, const MiniModelConfig& got);

nlohmann::json to_json(const MiniModelConfig& config);
MiniModelConfig mini_model_config_from_json(const nlohmann::json& json);  // throws BadWeights for missing keys

}  // namespace blade::train
