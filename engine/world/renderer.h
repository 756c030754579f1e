#pragma once
// Renders scenes to video in the VAE's convention: float [B, 3, F, H, W] in [-1, 1]. All work is
// LibTorch ops on the requested device, batched over scenes and grouped by shape, so training can
// render on the fly on the GPU.

#include "world/scene.h"

#include <torch/types.h>

#include <vector>

namespace blade::world {

struct RenderOptions {
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kFloat32;  // of the result; computed in float32 (float64 if asked)
};

// Every TrackScene's object tracks must have format.frames poses. Returns [B, 3, F, H, W].
torch::Tensor render_tracks(const std::vector<TrackScene>& scenes, const ClipFormat& format,
                            const RenderOptions& options = {});

torch::Tensor render_scenes(const std::vector<Scene>& scenes, const ClipFormat& format,
                            const RenderOptions& options = {});

// One scene: [3, F, H, W].
torch::Tensor render_scene(const Scene& scene, const ClipFormat& format, const RenderOptions& options = {});

}  // namespace blade::world
