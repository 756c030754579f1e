#pragma once
// Checks that a clip can be written (frames [F, H, W, 3] uint8 on the CPU, F >= 1, fps in
// [0.001, 1000], metadata keys not empty).

#include "core/clip.h"

#include <filesystem>

namespace blade::media {

// Returns the frames as a contiguous tensor. Throws InvalidArgument naming `path`.
torch::Tensor checked_frames(const std::filesystem::path& path, const Clip& clip, bool even_size);

}  // namespace blade::media
