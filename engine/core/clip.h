#pragma once
// A generated video clip as programs pass it around: 8-bit RGB frames plus the settings that made
// it (written into the MP4 as container metadata and read back from it).

#include <torch/types.h>

#include <map>
#include <string>

namespace blade {

struct Clip {
  torch::Tensor frames;                          // [frames, height, width, 3] uint8 on the CPU, contiguous
  double fps = 16.0;
  std::map<std::string, std::string> metadata;   // "blade.prompt", "blade.seed", ... (see media/clip_metadata.h)

  int64_t frame_count() const { return frames.defined() ? frames.size(0) : 0; }
  int64_t height() const { return frames.defined() ? frames.size(1) : 0; }
  int64_t width() const { return frames.defined() ? frames.size(2) : 0; }
};

// [B=1, 3, F, H, W] floats in [-1, 1] (the VAE's output) -> Clip frames [F, H, W, 3] uint8.
torch::Tensor video_to_uint8_frames(const torch::Tensor& video);

}  // namespace blade
