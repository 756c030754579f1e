#include "eval/model_eval/held_out_prompts.h"

#include "core/error.h"
#include "world/held_out.h"
#include "world/prompt_grammar.h"
#include "world/rng.h"
#include "world/scene_sampler.h"

namespace blade::eval {
namespace {

constexpr uint64_t kPromptSeedBase = 0x626c6164652d6576ull;  // "blade-ev"
constexpr int kTripleStride = 5;                             // coprime with the 16 held-out triples

template <typename Array>
auto pick(const Array& values, world::Rng& rng) {
  return values[rng.below(static_cast<int64_t>(values.size()))];
}

world::ObjectAttributes partner_for(const world::ObjectAttributes& first, world::Rng& rng) {
  world::ObjectAttributes object;
  do {
    object.colour = pick(world::kColours, rng);
    object.shape = pick(world::kShapes, rng);
    object.motion = pick(world::kMotions, rng);
  } while (world::is_held_out(object) || object.colour == first.colour);
  object.size = pick(world::kSizes, rng);
  object.speed = pick(world::kSpeeds, rng);
  return object;
}

EvalPrompt make_eval_prompt(int index, double aspect) {
  const auto& triples = world::held_out_triples();
  const auto& triple = triples[static_cast<size_t>(index * kTripleStride) % triples.size()];
  const uint64_t seed = world::Rng::derive(kPromptSeedBase, static_cast<uint64_t>(index));
  world::Rng rng(seed);

  world::SceneAttributes attributes;
  attributes.background = {pick(world::kBackgroundKinds, rng), pick(world::kTones, rng)};
  world::ObjectAttributes first;
  first.colour = triple.colour;
  first.shape = triple.shape;
  first.motion = triple.motion;
  first.size = pick(world::kSizes, rng);
  first.speed = pick(world::kSpeeds, rng);
  attributes.objects.push_back(first);
  if (index % 3 == 2) attributes.objects.push_back(partner_for(first, rng));

  world::Scene scene;
  try {
    scene = world::arrange_scene(attributes, seed, aspect);
  } catch (const Error&) {
    // Two large objects on long paths may not fit side by side: keep the held-out one alone.
    attributes.objects.resize(1);
    scene = world::arrange_scene(attributes, seed, aspect);
  }
  return {world::make_prompt(scene.attributes, seed), scene};
}

}  // namespace

std::vector<EvalPrompt> held_out_prompts(int count, double aspect) {
  if (count < 1) fail(ErrorKind::InvalidArgument, "the evaluation needs at least 1 prompt, got {}", count);
  std::vector<EvalPrompt> prompts;
  prompts.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) prompts.push_back(make_eval_prompt(i, aspect));
  return prompts;
}

std::vector<uint64_t> eval_seeds(int count) {
  if (count < 1) fail(ErrorKind::InvalidArgument, "the evaluation needs at least 1 seed, got {}", count);
  std::vector<uint64_t> seeds;
  for (int i = 0; i < count; ++i) seeds.push_back(static_cast<uint64_t>(i));
  return seeds;
}

}  // namespace blade::eval
