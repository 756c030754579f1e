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
  auto unit = (video[0].to(torch::kFloat32) / 2 + 0.5).clamp(0, 1);
  return (unit * 255).round().to(torch::kUInt8).permute({1, 2, 3, 0}).contiguous().to(torch::kCPU);
}

}  // namespace blade
