#include "train/world_clip_source.h"

#include "core/error.h"
#include "world/renderer.h"
#include "world/scene_sampler.h"
#include "world/world_batch.h"

#include <torch/torch.h>

namespace blade::train {
namespace {

world::SamplerSettings sampler_settings(const ClipShape& shape, double two_object_probability) {
  world::SamplerSettings settings;
  settings.two_object_probability = two_object_probability;
  settings.aspect = static_cast<double>(shape.width) / static_cast<double>(shape.height);
  return settings;
}

}  // namespace

WorldClipSource::WorldClipSource(ClipShape shape, uint64_t seed, torch::Device render_device,
                                 double two_object_probability)
    : shape_(shape), seed_(seed), render_device_(render_device), two_object_probability_(two_object_probability) {
  world::check_format({shape.frames, shape.height, shape.width});
}

TrainingClip WorldClipSource::clip(uint64_t index) {
  auto drawn = world::example(seed_, static_cast<int64_t>(index), world::Split::Train,
                              sampler_settings(shape_, two_object_probability_));
  auto video = world::render_scene(drawn.scene, {shape_.frames, shape_.height, shape_.width}, {});
  return {video.to(torch::kFloat32), std::move(drawn.prompt)};
}

std::string WorldClipSource::prompt(uint64_t index) {
  return world::example(seed_, static_cast<int64_t>(index), world::Split::Train,
                        sampler_settings(shape_, two_object_probability_))
      .prompt;
}

ClipBatch WorldClipSource::batch(uint64_t first, int64_t count, BatchContents contents) {
  if (count < 1) fail(ErrorKind::InvalidArgument, "a clip batch needs at least one clip, got {}", count);
  const auto settings = sampler_settings(shape_, two_object_probability_);
  std::vector<world::Scene> scenes;
  ClipBatch out;
  for (int64_t i = 0; i < count; ++i) {
    auto drawn = world::example(seed_, static_cast<int64_t>(first) + i, world::Split::Train, settings);
    scenes.push_back(std::move(drawn.scene));
    out.prompts.push_back(std::move(drawn.prompt));
  }
  world::RenderOptions options;
  options.device = render_device_;
  const world::ClipFormat format{shape_.frames, shape_.height, shape_.width};
  out.videos = world::render_scenes(scenes, format, options);
  if (contents == BatchContents::ClipsAndObjectMasks) {
    std::vector<world::TrackScene> backgrounds;
    for (const auto& scene : scenes) backgrounds.push_back({scene.attributes.background, {}});
    const auto empty = world::render_tracks(backgrounds, format, options);
    // Half an 8-bit level in [-1, 1]: anti-aliased edges count, rounding noise does not.
    constexpr double kDrawn = 1.0 / 255.0;
    out.object_masks = ((out.videos - empty).abs().amax(1, /*keepdim=*/true) > kDrawn).to(torch::kFloat32);
  }
  return out;
}

}  // namespace blade::train
