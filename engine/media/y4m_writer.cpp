#include "core/error.h"
#include "core/log.h"
#include "media/atomic_file.h"
#include "media/clip_checks.h"
#include "media/frame_rate.h"
#include "media/bt601.h"
#include "media/video_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace blade::media {

namespace {

auto log = blade::log::get("media");

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// A file written with stdio whose every failure becomes an Io error naming the target path.
class CheckedFile {
 public:
  CheckedFile(const std::filesystem::path& partial, const std::filesystem::path& target) : target_(target) {
    file_.reset(std::fopen(partial.c_str(), "wb"));
    if (!file_) {
      fail(ErrorKind::Io, "could not write {}: creating {} failed: {}", target.string(), partial.string(),
           std::strerror(errno));
    }
  }
  void write(const void* data, size_t size) {
    if (std::fwrite(data, 1, size, file_.get()) != size) {
      fail(ErrorKind::Io, "could not write {}: {}", target_.string(), std::strerror(errno));
    }
  }
  void write(const std::string& text) { write(text.data(), text.size()); }
  void close() {
    const int result = std::fclose(file_.release());
    if (result != 0) fail(ErrorKind::Io, "could not finish writing {}: {}", target_.string(), std::strerror(errno));
  }

 private:
  std::filesystem::path target_;
  FilePtr file_;
};

// BT.601 limited range ("studio swing"), the matrix FFmpeg assumes for an untagged Y4M file.
void rgb_to_yuv444(const uint8_t* rgb, int64_t pixels, uint8_t* y, uint8_t* u, uint8_t* v) {
  using bt601::to_byte;
  constexpr double kr = bt601::kRed, kb = bt601::kBlue, kg = bt601::kGreen;
  for (int64_t i = 0; i < pixels; ++i) {
    const double r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    const double luma = kr * r + kg * g + kb * b;  // 0..255
    y[i] = to_byte(16.0 + luma * 219.0 / 255.0);
    u[i] = to_byte(128.0 + (b - luma) / (2.0 * (1.0 - kb)) * 224.0 / 255.0);
    v[i] = to_byte(128.0 + (r - luma) / (2.0 * (1.0 - kr)) * 224.0 / 255.0);
  }
}

std::string metadata_json(const std::filesystem::path& path, const Clip& clip) {
  try {
    return nlohmann::json(clip.metadata).dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::InvalidArgument, "cannot write the metadata of {}: {} (values must be UTF-8)", path.string(),
         e.what());
  }
}

}  // namespace

void write_y4m(const std::filesystem::path& path, const Clip& clip, const CancelToken* cancel,
               const WriteProgress& progress) {
  const auto frames = checked_frames(path, clip, /*even_size=*/false);
  const FrameRate rate = to_frame_rate(clip.fps);
  const int64_t count = frames.size(0), height = frames.size(1), width = frames.size(2);
  auto sidecar_path = path;
  sidecar_path += ".json";
  const std::string sidecar_text = metadata_json(path, clip);

  AtomicFileWrite video(path);
  AtomicFileWrite sidecar(sidecar_path);
  {
    CheckedFile file(video.partial_path(), path);
    file.write(fmt::format("YUV4MPEG2 W{} H{} F{}:{} Ip A1:1 C444 XCOLORRANGE=LIMITED\n", width, height,
                           rate.numerator, rate.denominator));
    const int64_t pixels = width * height;
    std::vector<uint8_t> planes(static_cast<size_t>(3 * pixels));
    const uint8_t* rgb = frames.data_ptr<uint8_t>();
    for (int64_t f = 0; f < count; ++f) {
      throw_if_cancelled(cancel, fmt::format("while writing frame {} of {} to {}", f + 1, count, path.string()));
      rgb_to_yuv444(rgb + f * pixels * 3, pixels, planes.data(), planes.data() + pixels, planes.data() + 2 * pixels);
      file.write("FRAME\n");
      file.write(planes.data(), planes.size());
      if (progress) progress(f + 1, count);
    }
    file.close();
  }
  {
    CheckedFile file(sidecar.partial_path(), sidecar_path);
    file.write(sidecar_text);
    file.close();
  }
  throw_if_cancelled(cancel, fmt::format("before finishing {}", path.string()));
  video.commit();
  sidecar.commit();
  log->info("wrote {} ({} frames {}x{} at {}/{} fps, uncompressed)", path.string(), count, width, height,
            rate.numerator, rate.denominator);
}

}  // namespace blade::media
