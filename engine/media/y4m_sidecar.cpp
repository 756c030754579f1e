#include "core/error.h"
#include "media/video_file.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace blade::media {

std::filesystem::path y4m_sidecar_path(const std::filesystem::path& clip) {
  auto sidecar = clip;
  sidecar += ".json";
  return sidecar;
}

std::map<std::string, std::string> read_y4m_sidecar(const std::filesystem::path& clip) {
  const auto sidecar = y4m_sidecar_path(clip);
  std::ifstream in(sidecar);
  if (!in) fail(ErrorKind::Io, "cannot read {}, the settings of the clip {}", sidecar.string(), clip.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Io, "{} is not JSON: {}", sidecar.string(), e.what());
  }
  if (!json.is_object()) fail(ErrorKind::Io, "{} must hold a JSON object, got {}", sidecar.string(), json.type_name());
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) {
      fail(ErrorKind::Io, "{}: \"{}\" must be a string, got {}", sidecar.string(), key, value.dump());
    }
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

}  // namespace blade::media
