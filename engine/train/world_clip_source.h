#pragma once
// The synthetic world (engine/world) as a training clip source: clip i is the training-split scene
// of seed world::example_seed(seed, i), its prompt and its rendering. Held-out colour x shape x
// motion triples never appear. Batches are rendered together, on the chosen device.

#include "train/clip_source.h"

namespace blade::train {

class WorldClipSource final : public ClipSource {
 public:
  WorldClipSource(ClipShape shape, uint64_t seed, torch::Device render_device = torch::kCPU,
                  double two_object_probability = 0.4);

  std::string name() const override { return "world"; }
  ClipShape shape() const override { return shape_; }
  TrainingClip clip(uint64_t index) override;
  std::string prompt(uint64_t index) override;
  using ClipSource::batch;
  // The object masks come from a second rendering of each batch without its objects.
  ClipBatch batch(uint64_t first, int64_t count, BatchContents contents) override;
  bool knows_object_masks() const override { return true; }
  bool prompts_follow_world_grammar() const override { return true; }

 private:
  ClipShape shape_;
  uint64_t seed_ = 0;
  torch::Device render_device_{torch::kCPU};
  double two_object_probability_ = 0.4;
};

}  // namespace blade::train
