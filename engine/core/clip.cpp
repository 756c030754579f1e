#include "core/clip.h"

#include "core/error.h"
#include "core/tensor_format.h"

namespace blade {

torch::Tensor video_to_uint8_frames(const torch::Tensor& video) {
  if (video.dim() != 5 || video.size(0) != 1 || video.size(1) != 3) {
    fail(ErrorKind::Internal, "expected a video [1, 3, frames, height, width], got {}", shape_string(video.sizes()));
  }
  // The same rounding as diffusers' VideoProcessor: (x / 2 + 0.5).clamp(0, 1) * 255, rounded.
  // On the video's own device: a GPU hands over a quarter of the bytes and skips four CPU passes.
  // One float32 copy, then in place: the caller's video is untouched and one copy is held at a time.
  auto scaled = video[0].to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true);
  scaled.div_(2).add_(0.5).clamp_(0, 1).mul_(255).round_();
  return scaled.to(torch::kUInt8).permute({1, 2, 3, 0}).contiguous().to(torch::kCPU);
}

}  // namespace blade
