#pragma once
// How much a text encoder's context changes when a prompt changes one attribute, wording kept,
// averaged over held-out scenes, in two ways: row by row over the [text_len, d] context, and as the
// change of the mean of the prompt's token rows. The DiT's cross-attention has no positions, so it
// does not see the order of the rows; a word of another length shifts every later row, which the
// row-by-row measure counts and the token mean does not. An attribute the encoder barely separates
// is hard for the DiT to follow.

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace blade::train {

// Prompts -> [B, text_len, d] contexts, rows past each prompt's tokens zero
// (models::TextEncoder::encode or TrainableTextEncoder::encode).
using PromptEncoder = std::function<torch::Tensor(const std::vector<std::string>&)>;

struct AttributeSeparation {
  std::string attribute;        // shape, colour, size, motion, speed (of the first object), background, tone
  double row_change = 0.0;      // mean over scenes of ||c' - c|| / ||c||, the contexts row by row
  double mean_change = 0.0;     // the same for the mean of the prompt's token rows
  double length_changed = 0.0;  // share of the scenes whose changed prompt has another token count
};

// `scenes` held-out scenes from `seed`; each attribute is changed to the next value of its kind
// (colour: skipping the other object's). Encodes 32 prompts at a time.
std::vector<AttributeSeparation> context_separation(const PromptEncoder& encode, int64_t scenes, uint64_t seed);

}  // namespace blade::train
