#include "media/clip_checks.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <cmath>

namespace blade::media {

torch::Tensor checked_frames(const std::filesystem::path& path, const Clip& clip, bool even_size) {
  const auto& frames = clip.frames;
  if (!frames.defined()) fail(ErrorKind::InvalidArgument, "cannot write {}: the clip has no frames", path.string());
  if (frames.dim() != 4 || frames.size(3) != 3 || frames.size(0) < 1 || frames.size(1) < 1 || frames.size(2) < 1) {
    fail(ErrorKind::InvalidArgument, "cannot write {}: expected frames [frames >= 1, height, width, 3], got {}",
         path.string(), shape_string(frames.sizes()));
  }
  if (frames.scalar_type() != torch::kUInt8 || !frames.device().is_cpu()) {
    fail(ErrorKind::InvalidArgument, "cannot write {}: expected uint8 frames on the CPU, got {} on {}", path.string(),
         c10::toString(frames.scalar_type()), frames.device().str());
  }
  if (even_size && (frames.size(1) % 2 != 0 || frames.size(2) % 2 != 0)) {
    fail(ErrorKind::InvalidArgument, "cannot write {}: H.264 4:2:0 needs an even width and height, got {}x{}",
         path.string(), frames.size(2), frames.size(1));
  }
  if (!std::isfinite(clip.fps) || clip.fps < 0.001 || clip.fps > 1000) {
    fail(ErrorKind::InvalidArgument, "cannot write {}: fps must be in [0.001, 1000], got {}", path.string(), clip.fps);
  }
  for (const auto& [key, value] : clip.metadata) {
    if (key.empty()) fail(ErrorKind::InvalidArgument, "cannot write {}: a metadata key is empty", path.string());
  }
  return frames.contiguous();
}

}  // namespace blade::media
