// The MP4 functions of a build without FFmpeg (engine only): they say so.
#ifndef BLADE_HAVE_FFMPEG

#include "core/error.h"
#include "media/video_file.h"

namespace blade::media {

void write_mp4(const std::filesystem::path& path, const Clip&, const Mp4Options&, const CancelToken*,
               const WriteProgress&) {
  fail(ErrorKind::Unsupported, "cannot write {}: this build has no FFmpeg; write a .y4m file instead", path.string());
}

Clip read_mp4(const std::filesystem::path& path) {
  fail(ErrorKind::Unsupported, "cannot read {}: this build has no FFmpeg", path.string());
}

std::map<std::string, std::string> read_mp4_metadata(const std::filesystem::path& path) {
  fail(ErrorKind::Unsupported, "cannot read {}: this build has no FFmpeg", path.string());
}

}  // namespace blade::media

#endif
