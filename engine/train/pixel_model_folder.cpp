#include "train/pixel_model_folder.h"

#include "core/error.h"
#include "io/weight_store.h"

#include <fstream>

namespace blade::train {
namespace fs = std::filesystem;
namespace {

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) fail(ErrorKind::BadWeights, "{} is missing", path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "{} is not valid JSON: {}", path.string(), e.what());
  }
}

}  // namespace

PixelModel load_pixel_model(const fs::path& folder) {
  const auto index = read_json(folder / "model_index.json");
  if (index.value("codec", std::string()) != "pixel") {
    fail(ErrorKind::BadWeights, "{}: model_index.json has codec '{}', expected a pixel-space model (\"pixel\")",
         folder.string(), index.value("codec", std::string("none")));
  }
  PixelModel model;
  model.blade = index.value("blade", nlohmann::json::object());
  model.dit = models::load_wan_dit(io::WeightStore::open(folder / "transformer"), torch::kCPU, torch::kFloat32);
  model.text_encoder =
      models::load_umt5_encoder(io::WeightStore::open(folder / "text_encoder"), torch::kCPU, torch::kFloat32);
  model.tokenizer_model = folder / "tokenizer" / "spiece.model";
  auto& c = model.config;
  c.dit = model.dit->config();
  c.text = model.text_encoder->config();
  try {
    c.text_len = model.blade.at("text_len").get<int64_t>();
    const auto& clip = model.blade.at("default_clip");
    c.clip = {clip.at("frames").get<int64_t>(), clip.at("height").get<int64_t>(), clip.at("width").get<int64_t>()};
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "{}: model_index.json's \"blade\" entry lacks text_len or default_clip: {}",
         folder.string(), e.what());
  }
  const auto scheduler = read_json(folder / "scheduler" / "scheduler_config.json");
  c.flow_shift = scheduler.value("flow_shift", 3.0);
  c.validate();
  return model;
}

}  // namespace blade::train
