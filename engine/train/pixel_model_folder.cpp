#include "train/pixel_model_folder.h"

#include "core/error.h"
#include "io/weight_store.h"

#include <fstream>

namespace blade::train {
namespace fs = std::filesystem;
namespace {

// Folders whose scheduler does not state a flow shift were trained at this one.
constexpr double kExportedShiftBefore = 3.0;

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
  const auto shift = stored_flow_shift(folder);
  if (!shift) fail(ErrorKind::BadWeights, "{} is missing", (folder / "scheduler" / "scheduler_config.json").string());
  c.flow_shift = *shift;
  c.validate();
  return model;
}

std::optional<double> stored_flow_shift(const fs::path& folder) {
  const fs::path file = folder / "scheduler" / "scheduler_config.json";
  std::error_code error;
  if (!fs::is_regular_file(file, error)) return std::nullopt;
  return read_json(file).value("flow_shift", kExportedShiftBefore);
}

}  // namespace blade::train
