#include "pipeline/pixel_codec.h"

#include "core/error.h"
#include "core/tensor_format.h"

namespace blade::pipeline {
namespace {

void check_video(const torch::Tensor& x, const char* what) {
  if (x.dim() != 5 || x.size(1) != 3) {
    fail(ErrorKind::InvalidArgument, "pixel codec {}: expected [batch, 3, frames, height, width], got {}", what,
         shape_string(x.sizes()));
  }
}

}  // namespace

torch::Tensor PixelCodec::decode(const torch::Tensor& latents, const CancelToken* cancel, const DecodeProgress& progress) {
  check_video(latents, "decode");
  throw_if_cancelled(cancel, "before decoding");
  auto video = latents.to(device_, torch::kFloat32);  // clamped where it becomes 8-bit frames
  if (progress) progress(latents.size(2), latents.size(2));
  return video;
}

torch::Tensor PixelCodec::encode(const torch::Tensor& video) {
  check_video(video, "encode");
  return video.to(device_, torch::kFloat32);
}

}  // namespace blade::pipeline
