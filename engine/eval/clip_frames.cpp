#include "eval/clip_frames.h"

#include "core/error.h"
#include "core/tensor_format.h"

namespace blade::eval {

torch::Tensor unit_frames(const torch::Tensor& video) {
  torch::Tensor clip = video;
  if (clip.dim() == 5 && clip.size(0) == 1) clip = clip[0];
  if (clip.dim() != 4 || clip.size(0) != 3 || clip.size(1) < 1 || clip.size(2) < 8 || clip.size(3) < 8) {
    fail(ErrorKind::InvalidArgument, "expected a video [3, frames, height, width] (or [1, 3, ...]) of at least 8x8 pixels, got {}",
         shape_string(video.sizes()));
  }
  if (!clip.is_floating_point()) {
    fail(ErrorKind::InvalidArgument, "expected a floating-point video in [-1, 1], got dtype {}",
         c10::toString(clip.scalar_type()));
  }
  return ((clip.detach().to(torch::kCPU, torch::kFloat32) + 1) / 2).clamp(0, 1).contiguous();
}

}  // namespace blade::eval
