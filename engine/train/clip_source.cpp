#include "train/clip_source.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

namespace blade::train {

ClipBatch ClipSource::batch(uint64_t first, int64_t count, BatchContents contents) {
  if (count < 1) fail(ErrorKind::InvalidArgument, "a clip batch needs at least one clip, got {}", count);
  if (contents == BatchContents::ClipsAndObjectMasks) {
    fail(ErrorKind::InvalidArgument, "clip source '{}' does not know where its objects are, so it has no object masks",
         name());
  }
  const ClipShape expected = shape();
  ClipBatch out;
  std::vector<torch::Tensor> videos;
  for (int64_t i = 0; i < count; ++i) {
    TrainingClip clip = this->clip(first + static_cast<uint64_t>(i));
    const auto& v = clip.video;
    if (!v.defined() || v.dim() != 4 || v.size(0) != 3 || v.size(1) != expected.frames ||
        v.size(2) != expected.height || v.size(3) != expected.width || v.scalar_type() != torch::kFloat32) {
      fail(ErrorKind::Internal, "clip source '{}': clip {} should be float32 [3, {}, {}, {}], got {} {}", name(),
           first + static_cast<uint64_t>(i), expected.frames, expected.height, expected.width,
           v.defined() ? c10::toString(v.scalar_type()) : "undefined", v.defined() ? shape_string(v.sizes()) : "");
    }
    videos.push_back(v.to(torch::kCPU));
    out.prompts.push_back(std::move(clip.prompt));
  }
  out.videos = torch::stack(videos);
  const double low = out.videos.min().item<double>();
  const double high = out.videos.max().item<double>();
  if (low < -1.0 || high > 1.0) {
    fail(ErrorKind::Internal, "clip source '{}': clips {}..{} hold values in [{}, {}], expected [-1, 1]", name(), first,
         first + static_cast<uint64_t>(count) - 1, low, high);
  }
  return out;
}

std::vector<std::string> ClipSource::prompts(uint64_t first, int64_t count) {
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(count, 0)));
  for (int64_t i = 0; i < count; ++i) out.push_back(prompt(first + static_cast<uint64_t>(i)));
  return out;
}

}  // namespace blade::train
