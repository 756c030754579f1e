#include "train/context_separation.h"

#include "core/error.h"
#include "core/tensor_format.h"
#include "world/prompt_grammar.h"
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

constexpr int64_t kChunk = 32;  // prompts encoded at once: a [512 x d] float64 context each

struct Contexts {
  torch::Tensor rows;         // [n, text_len * d]
  torch::Tensor token_mean;   // [n, d], mean of the rows that are not zero (the prompt's tokens)
  torch::Tensor token_count;  // [n]
};

Contexts summarise(const torch::Tensor& context) {
  const auto is_token = context.abs().amax(-1) > 0.0;  // [n, text_len]
  const auto count = is_token.sum(-1);
  const auto mean = (context * is_token.unsqueeze(-1)).sum(1) / count.clamp_min(1).unsqueeze(-1);
  return {context.flatten(1), mean, count};
}

double relative_change_sum(const torch::Tensor& changed, const torch::Tensor& base) {
  return ((changed - base).norm(2, 1) / base.norm(2, 1).clamp_min(1e-30)).sum().item<double>();
}

}  // namespace

std::vector<AttributeSeparation> context_separation(const PromptEncoder& encode, int64_t scenes, uint64_t seed) {
  if (scenes < 1) fail(ErrorKind::InvalidArgument, "context separation needs at least one scene, got {}", scenes);
  std::vector<AttributeSeparation> separations;
  for (const auto& entry : changes()) separations.push_back({entry.first});
  for (int64_t first = 0; first < scenes; first += kChunk) {
    const int64_t count = std::min(kChunk, scenes - first);
    std::vector<world::Example> examples;
    std::vector<std::string> prompts;
    for (int64_t i = first; i < first + count; ++i) {
      examples.push_back(world::example(seed, i, world::Split::HeldOut));
      prompts.push_back(examples.back().prompt);
    }
    const auto base = summarise(encode_checked(encode, prompts));
    for (size_t c = 0; c < changes().size(); ++c) {
      std::vector<std::string> changed_prompts;
      for (const auto& example : examples) {
        auto attributes = example.scene.attributes;
        changes()[c].second(attributes);
        changed_prompts.push_back(world::make_prompt(attributes, example.seed));
      }
      const auto changed = summarise(encode_checked(encode, changed_prompts));
      auto& separation = separations[c];
      separation.row_change += relative_change_sum(changed.rows, base.rows);
      separation.mean_change += relative_change_sum(changed.token_mean, base.token_mean);
      separation.length_changed += (changed.token_count != base.token_count).sum().item<double>();
    }
  }
  for (auto& separation : separations) {
    separation.row_change /= static_cast<double>(scenes);
    separation.mean_change /= static_cast<double>(scenes);
    separation.length_changed /= static_cast<double>(scenes);
  }
  return separations;
}

}  // namespace blade::train
