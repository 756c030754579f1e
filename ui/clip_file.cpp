#include "ui/clip_file.h"

#include "core/error.h"
#include "core/log.h"
#include "media/clip_metadata.h"
#include "media/video_file.h"
#include "ui/frame_images.h"

#include <nlohmann/json.hpp>

namespace blade::ui {

void export_clip(const QString& path, const Clip& clip, const CancelToken* cancel) {
  static auto log = blade::log::get("ui");
  media::write_clip(path.toStdString(), clip, cancel);
  log->info("exported {} ({} frames, {}x{})", path.toStdString(), clip.frame_count(), clip.width(), clip.height());
}

std::optional<pipeline::GenerationRequest> request_from_metadata(const std::map<std::string, std::string>& metadata) {
  const auto found = metadata.find(media::metadata_keys::kRequest);
  if (found == metadata.end()) return std::nullopt;
  const auto json = nlohmann::json::parse(found->second, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    fail(ErrorKind::InvalidArgument, "the stored settings ({}) are not a JSON object", media::metadata_keys::kRequest);
  }
  return pipeline::request_from_json(json);
}

OpenedClip open_clip(const QString& path) {
  OpenedClip opened;
  opened.clip = media::read_mp4(path.toStdString());
  opened.frames = frames_to_images(opened.clip.frames);
  opened.request = request_from_metadata(opened.clip.metadata);
  const auto model = opened.clip.metadata.find(media::metadata_keys::kModel);
  if (model != opened.clip.metadata.end()) opened.model_id = QString::fromStdString(model->second);
  return opened;
}

}  // namespace blade::ui
