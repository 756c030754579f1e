#include "train/context_separation.h"

#include "core/error.h"
#include "core/tensor_format.h"
#include "world/prompt_grammar.h"
#include "world/scene_sampler.h"
#include "world/world_batch.h"

#include <torch/torch.h>

namespace blade::train {
namespace {

template <typename E, size_t N>
E next_value(E value, const std::array<E, N>& values) {
  return values[(static_cast<size_t>(world::index_of(value)) + 1) % N];
}

using Change = std::function<void(world::SceneAttributes&)>;

const std::vector<std::pair<std::string, Change>>& changes() {
  static const std::vector<std::pair<std::string, Change>> list{
      {"shape", [](auto& s) { s.objects[0].shape = next_value(s.objects[0].shape, world::kShapes); }},
      {"colour",
       [](auto& s) {
         auto& colour = s.objects[0].colour;
         colour = next_value(colour, world::kColours);
         if (s.objects.size() > 1 && colour == s.objects[1].colour) colour = next_value(colour, world::kColours);
       }},
      {"size", [](auto& s) { s.objects[0].size = next_value(s.objects[0].size, world::kSizes); }},
      {"motion", [](auto& s) { s.objects[0].motion = next_value(s.objects[0].motion, world::kMotions); }},
      {"speed", [](auto& s) { s.objects[0].speed = next_value(s.objects[0].speed, world::kSpeeds); }},
      {"background", [](auto& s) { s.background.kind = next_value(s.background.kind, world::kBackgroundKinds); }},
      {"tone", [](auto& s) { s.background.tone = next_value(s.background.tone, world::kTones); }},
  };
  return list;
}

torch::Tensor encode_checked(const PromptEncoder& encode, const std::vector<std::string>& prompts) {
  torch::NoGradGuard no_grad;
  auto context = encode(prompts).to(torch::kCPU, torch::kFloat64);
  if (context.dim() != 3 || context.size(0) != static_cast<int64_t>(prompts.size())) {
    fail(ErrorKind::Internal, "a prompt encoder returned {} for {} prompts (expected [prompts, text_len, dim])",
         shape_string(context.sizes()), prompts.size());
  }
  return context;
}

}  // namespace

std::vector<AttributeSeparation> context_separation(const PromptEncoder& encode, int64_t scenes, uint64_t seed) {
  if (scenes < 1) fail(ErrorKind::InvalidArgument, "context separation needs at least one scene, got {}", scenes);
  std::vector<world::SceneAttributes> originals;
  std::vector<uint64_t> seeds;
  std::vector<std::string> prompts;
  for (int64_t i = 0; i < scenes; ++i) {
    seeds.push_back(world::example_seed(seed, i));
    originals.push_back(world::sample_scene(seeds.back(), world::Split::HeldOut).attributes);
    prompts.push_back(world::make_prompt(originals.back(), seeds.back()));
  }
  const auto base = encode_checked(encode, prompts);
  const auto base_norm = base.flatten(1).norm(2, 1);

  std::vector<AttributeSeparation> separations;
  for (const auto& [attribute, change] : changes()) {
    std::vector<std::string> changed;
    for (int64_t i = 0; i < scenes; ++i) {
      auto scene = originals[static_cast<size_t>(i)];
      change(scene);
      changed.push_back(world::make_prompt(scene, seeds[static_cast<size_t>(i)]));
    }
    const auto other = encode_checked(encode, changed);
    const auto relative = (other - base).flatten(1).norm(2, 1) / base_norm.clamp_min(1e-30);
    separations.push_back({attribute, relative.mean().item<double>()});
  }
  return separations;
}

}  // namespace blade::train
