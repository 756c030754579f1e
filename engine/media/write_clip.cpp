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

namespace {

std::string lower_extension(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

void require_mp4_reader(const std::filesystem::path& path) {
  if (!have_mp4()) {
    fail(ErrorKind::Unsupported, "this build has no FFmpeg and cannot read {} (.y4m clips it can)", path.string());
  }
}

}  // namespace

bool is_y4m_path(const std::filesystem::path& path) { return lower_extension(path) == ".y4m"; }
bool is_mp4_path(const std::filesystem::path& path) { return lower_extension(path) == ".mp4"; }

Clip read_clip(const std::filesystem::path& path) {
  if (is_y4m_path(path)) return read_y4m(path);
  require_mp4_reader(path);
  return read_mp4(path);
}

std::map<std::string, std::string> read_clip_metadata(const std::filesystem::path& path) {
  if (is_y4m_path(path)) {
    if (!std::filesystem::exists(y4m_sidecar_path(path))) return {};
    return read_y4m_sidecar(path);
  }
  require_mp4_reader(path);
  return read_mp4_metadata(path);
}

void write_clip(const std::filesystem::path& path, const Clip& clip, const CancelToken* cancel,
                const WriteProgress& progress) {
  const std::string extension = lower_extension(path);
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
