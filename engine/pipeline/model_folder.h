#pragma once
// Finds the parts of a Wan model on disk. Two layouts are understood:
//  - diffusers: model_index.json with transformer/, vae/, text_encoder/, tokenizer/, scheduler/
//  - original Wan2.1: diffusion_pytorch_model*.safetensors (+ index), Wan2.1_VAE.safetensors,
//    models_t5_umt5-xxl-enc-bf16.safetensors and google/umt5-xxl/spiece.model
// (the original release ships the VAE and text encoder as .pth pickles: convert them to
// safetensors first; the error says so).

#include <filesystem>
#include <optional>
#include <string>

namespace blade::pipeline {

enum class ModelLayout { Diffusers = 1, OriginalWan };
enum class CodecKind { WanVae = 1, Pixel };  // model_index.json "codec": "pixel" selects Pixel

struct ModelFolder {
  std::filesystem::path root;
  ModelLayout layout = ModelLayout::Diffusers;
  std::filesystem::path transformer;   // file or folder for io::WeightStore::open
  CodecKind codec = CodecKind::WanVae;
  std::filesystem::path vae;           // empty for the pixel codec
  std::filesystem::path text_encoder;
  std::filesystem::path tokenizer_model;           // spiece.model
  std::optional<std::filesystem::path> scheduler_config;
  int64_t text_len = 512;  // prompt length the transformer was trained with (model_index.json "blade")
  std::string id;                                  // folder name, for metadata
};

// Throws blade::Error(BadWeights or Io) naming the folder and each missing part.
ModelFolder locate_model(const std::filesystem::path& root);

std::string to_string(ModelLayout layout);

}  // namespace blade::pipeline
