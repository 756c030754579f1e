#include "pipeline/model_folder.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <vector>

namespace blade::pipeline {
namespace fs = std::filesystem;
namespace {

std::optional<fs::path> first_existing(const fs::path& root, const std::vector<std::string>& candidates) {
  for (const auto& name : candidates) {
    if (fs::exists(root / name)) return root / name;
  }
  return std::nullopt;
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

fs::path require(const fs::path& root, const std::string& part, const std::vector<std::string>& candidates) {
  if (auto found = first_existing(root, candidates)) return *found;
  for (const auto& name : candidates) {
    fs::path pth = root / name;
    pth.replace_extension(".pth");
    if (fs::exists(pth)) {
      fail(ErrorKind::Unsupported, "{}: the {} is a PyTorch pickle ({}); convert it to safetensors ({}) first",
           root.string(), part, pth.filename().string(), name);
    }
  }
  fail(ErrorKind::BadWeights, "{}: no {} found (looked for {})", root.string(), part, join(candidates));
}

nlohmann::json read_model_index(const fs::path& model_index) {
  if (!fs::exists(model_index)) return nlohmann::json::object();
  std::ifstream in(model_index);
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) fail(ErrorKind::BadWeights, "{} is not a JSON object", model_index.string());
  return json;
}

CodecKind codec_of(const nlohmann::json& json, const fs::path& model_index) {
  const auto codec = json.value("codec", std::string("wan-vae"));
  if (codec == "wan-vae") return CodecKind::WanVae;
  if (codec == "pixel") return CodecKind::Pixel;
  fail(ErrorKind::Unsupported, "{}: unknown codec '{}' (expected wan-vae or pixel)", model_index.string(), codec);
}

}  // namespace

std::string to_string(ModelLayout layout) {
  return layout == ModelLayout::Diffusers ? "diffusers" : "original Wan2.1";
}

ModelFolder locate_model(const fs::path& root_in) {
  std::error_code ec;
  if (!fs::exists(root_in, ec)) fail(ErrorKind::Io, "model folder '{}' does not exist", root_in.string());
  if (!fs::is_directory(root_in, ec)) {
    fail(ErrorKind::InvalidArgument, "'{}' is a file; a model is a folder (diffusers or original Wan2.1 layout)",
         root_in.string());
  }
  const fs::path root = fs::canonical(root_in, ec);
  ModelFolder folder;
  folder.root = root;
  folder.id = root.filename().string();

  const bool diffusers = fs::exists(root / "model_index.json") || fs::is_directory(root / "transformer");
  if (diffusers) {
    folder.layout = ModelLayout::Diffusers;
    folder.transformer = require(root, "transformer", {"transformer"});
    const auto model_index = read_model_index(root / "model_index.json");
    folder.codec = codec_of(model_index, root / "model_index.json");
    // Models trained by BLADE Studio record the prompt length they were trained with; Wan2.1 uses 512.
    if (model_index.contains("blade") && model_index["blade"].is_object() && model_index["blade"].contains("text_len")) {
      const auto& text_len = model_index["blade"]["text_len"];
      if (!text_len.is_number_integer() || text_len.get<int64_t>() < 2) {
        fail(ErrorKind::BadWeights, "{}: \"blade\".\"text_len\" must be a whole number >= 2, got {}",
             (root / "model_index.json").string(), text_len.dump());
      }
      folder.text_len = text_len.get<int64_t>();
    }
    if (folder.codec == CodecKind::WanVae) folder.vae = require(root, "VAE", {"vae"});
    folder.text_encoder = require(root, "text encoder", {"text_encoder"});
    folder.tokenizer_model = require(root, "tokenizer model", {"tokenizer/spiece.model"});
    folder.scheduler_config = first_existing(root, {"scheduler/scheduler_config.json"});
    return folder;
  }
  folder.layout = ModelLayout::OriginalWan;
  folder.transformer =
      require(root, "transformer", {"diffusion_pytorch_model.safetensors.index.json", "diffusion_pytorch_model.safetensors"});
  folder.vae = require(root, "VAE", {"Wan2.1_VAE.safetensors"});
  folder.text_encoder = require(root, "text encoder", {"models_t5_umt5-xxl-enc-bf16.safetensors"});
  folder.tokenizer_model = require(root, "tokenizer model", {"google/umt5-xxl/spiece.model", "spiece.model"});
  return folder;
}

}  // namespace blade::pipeline
