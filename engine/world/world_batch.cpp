#include "world/world_batch.h"

#include "core/error.h"
#include "world/prompt_grammar.h"
#include "world/rng.h"

namespace blade::world {

uint64_t example_seed(uint64_t batch_seed, int64_t index) {
  return Rng::derive(batch_seed, static_cast<uint64_t>(index) + 1);
}

Example example(uint64_t batch_seed, int64_t index, Split split, const SamplerSettings& settings) {
  Example out;
  out.seed = example_seed(batch_seed, index);
  out.scene = sample_scene(out.seed, split, settings);
  out.prompt = make_prompt(out.scene.attributes, out.seed);
  return out;
}

WorldBatch make_batch(const BatchRequest& request) {
  if (request.size < 1) fail(ErrorKind::InvalidArgument, "expected a batch size >= 1, got {}", request.size);
  check_format(request.format);
  SamplerSettings settings;
  settings.two_object_probability = request.two_object_probability;
  settings.aspect = static_cast<double>(request.format.width) / static_cast<double>(request.format.height);
  WorldBatch batch;
  for (int64_t i = 0; i < request.size; ++i) {
    auto drawn = example(request.seed, i, request.split, settings);
    batch.seeds.push_back(drawn.seed);
    batch.scenes.push_back(std::move(drawn.scene));
    batch.prompts.push_back(std::move(drawn.prompt));
  }
  batch.video = render_scenes(batch.scenes, request.format, request.render);
  return batch;
}

}  // namespace blade::world
