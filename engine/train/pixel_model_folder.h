#pragma once
// Reads back a model folder written by export_model_folder (codec "pixel") for further training:
// the DiT and umT5 weights on the CPU in fp32, the tokenizer path and the MiniModelConfig.

#include "models/dit/wan_dit.h"
#include "models/text/umt5_encoder.h"
#include "train/mini_model_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>

namespace blade::train {

struct PixelModel {
  MiniModelConfig config;
  models::WanDiT dit{nullptr};
  models::UMT5Encoder text_encoder{nullptr};
  std::filesystem::path tokenizer_model;
  nlohmann::json blade;  // model_index.json's "blade" entry
};

// Throws BadWeights naming the folder when it is not a pixel-codec model folder.
PixelModel load_pixel_model(const std::filesystem::path& folder);

// The flow shift a model folder's scheduler was exported with; none when the folder has no
// scheduler/scheduler_config.json (BadWeights when that file is not JSON).
std::optional<double> stored_flow_shift(const std::filesystem::path& folder);

}  // namespace blade::train
