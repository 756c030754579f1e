#include "core/error.h"
#include "media/video_file.h"

#include <algorithm>
#include <cctype>

namespace blade::media {

bool have_mp4() {
#ifdef BLADE_HAVE_FFMPEG
  return true;
#else
  return false;
#endif
}

void write_clip(const std::filesystem::path& path, const Clip& clip, const CancelToken* cancel,
                const WriteProgress& progress) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".y4m") return write_y4m(path, clip, cancel, progress);
  if (extension == ".mp4") {
    if (!have_mp4()) {
      fail(ErrorKind::InvalidArgument,
           "cannot write {}: this build has no FFmpeg, so it cannot write MP4; write a .y4m file instead",
           path.string());
    }
    return write_mp4(path, clip, {}, cancel, progress);
  }
  fail(ErrorKind::InvalidArgument, "cannot write {}: unknown video extension '{}', expected .mp4 or .y4m",
       path.string(), extension);
}

}  // namespace blade::media
