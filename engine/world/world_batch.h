#pragma once
// A batch of training (or held-out) examples drawn on the fly: scenes, their prompts and the
// rendered clips. Example i of a batch with seed s is the scene of seed derive(s, i), so a batch is
// reproducible and any example can be regenerated alone.

#include "world/renderer.h"
#include "world/scene_sampler.h"

#include <string>
#include <vector>

namespace blade::world {

struct BatchRequest {
  uint64_t seed = 0;
  int64_t size = 1;
  Split split = Split::Train;
  ClipFormat format;
  RenderOptions render;
  double two_object_probability = 0.4;
};

struct WorldBatch {
  torch::Tensor video;               // [B, 3, F, H, W] in [-1, 1]
  std::vector<Scene> scenes;
  std::vector<std::string> prompts;
  std::vector<uint64_t> seeds;       // the scene seed of each example
};

uint64_t example_seed(uint64_t batch_seed, int64_t index);

// Example `index` of the stream `batch_seed` without its rendering: the scene seed, the scene and
// its prompt (what make_batch draws for it).
struct Example {
  uint64_t seed = 0;
  Scene scene;
  std::string prompt;
};
Example example(uint64_t batch_seed, int64_t index, Split split, const SamplerSettings& settings = {});

WorldBatch make_batch(const BatchRequest& request);

}  // namespace blade::world
