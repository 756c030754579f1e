#pragma once
// Clips on disk: export (MP4 or Y4M, written atomically, with every generation setting embedded)
// and opening a clip, which gives back the settings when BLADE Studio wrote it.

#include "core/cancel.h"
#include "core/clip.h"
#include "pipeline/generation_request.h"

#include <QImage>
#include <QString>
#include <QVector>

#include <map>
#include <optional>
#include <string>

namespace blade::ui {

struct OpenedClip {
  Clip clip;
  QVector<QImage> frames;
  std::optional<pipeline::GenerationRequest> request;  // none when the file has no BLADE settings
  QString model_id;                                     // the model folder's name it was made with
};

// Writes through media::write_clip (the extension picks the format). Throws blade::Error.
void export_clip(const QString& path, const Clip& clip, const CancelToken* cancel = nullptr);

// Decodes the frames and reads the settings. Throws blade::Error (Io) naming the path.
OpenedClip open_clip(const QString& path);

// The request stored under media::metadata_keys::kRequest; none when absent. Throws
// blade::Error(InvalidArgument) when it is present but malformed.
std::optional<pipeline::GenerationRequest> request_from_metadata(const std::map<std::string, std::string>& metadata);

}  // namespace blade::ui
