#pragma once
// Writes a trained pixel-space model as a folder the engine loads (diffusers-like layout):
//   model_index.json            "codec": "pixel", component classes, "blade" (text_len, clip, ...)
//   transformer/config.json     WanTransformer3DModel config (patch 1x4x4, 3 channels)
//   transformer/diffusion_pytorch_model.safetensors   (sharded with an .index.json when larger
//                                                       than max_file_bytes)
//   text_encoder/config.json + model.safetensors      (UMT5EncoderModel names)
//   tokenizer/spiece.model + tokenizer_config.json
//   scheduler/scheduler_config.json                   (UniPC, flow sigmas, flow_shift)
// The folder is assembled beside the target and renamed into place.

#include "train/mini_model_config.h"
#include "train/named_tensors.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace blade::train {

enum class WeightStorage { F16 = 1, BF16, F32 };

WeightStorage parse_weight_storage(const std::string& name);  // "f16" | "bf16" | "f32"

struct ModelExport {
  std::string name = "BLADE-mini";
  MiniModelConfig config;
  NamedTensors transformer;    // WanDiT parameter names (diffusers)
  NamedTensors text_encoder;   // UMT5EncoderModel names
  std::filesystem::path tokenizer_model;
  nlohmann::json blade = nlohmann::json::object();  // merged into model_index.json's "blade" entry
  // F16 keeps 10 mantissa bits (weights of these models are far inside its range); a tensor whose
  // values do not fit F16 is stored F32 instead.
  WeightStorage storage = WeightStorage::F16;
  int64_t max_file_bytes = int64_t{16} << 20;
};

void export_model_folder(const ModelExport& model, const std::filesystem::path& out_dir);

}  // namespace blade::train
