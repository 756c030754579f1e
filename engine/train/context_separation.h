#pragma once
// How much a text encoder's context changes when a prompt changes one attribute, wording kept: the
// relative Frobenius change ||c(p') - c(p)|| / ||c(p)|| of the [text_len, d] context the DiT sees,
// averaged over held-out scenes. Attributes the encoder barely separates are hard for the DiT to
// follow (in the bundled teacher: background and colour far apart, motion and speed close).

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace blade::train {

// Prompts -> [B, text_len, d] contexts (models::TextEncoder::encode or TrainableTextEncoder::encode).
using PromptEncoder = std::function<torch::Tensor(const std::vector<std::string>&)>;

struct AttributeSeparation {
  std::string attribute;  // shape, colour, size, motion, speed (of the first object), background, tone
  double relative_change = 0.0;
};

// `scenes` held-out scenes from `seed`; each attribute is changed to the next value of its kind
// (colour: skipping the other object's).
std::vector<AttributeSeparation> context_separation(const PromptEncoder& encode, int64_t scenes, uint64_t seed);

}  // namespace blade::train
