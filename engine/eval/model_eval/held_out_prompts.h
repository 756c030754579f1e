#pragma once
// The prompts `blade eval` generates from: scenes whose first object is one of the world's held-out
// colour x shape x motion triples (world/held_out.h), which training never shows. The list is the
// same in every run: prompt i takes held-out triple (5 i) mod 16 (so the first 16 prompts cover all
// of them, colours spread early), size, speed, background and wording from a seed derived from i,
// and every third prompt adds a second object of another colour from the training split.

#include "world/scene.h"

#include <cstdint>
#include <string>
#include <vector>

namespace blade::eval {

struct EvalPrompt {
  std::string text;
  world::Scene scene;  // what the prompt states, placed in the frame (for ground-truth renderings)
};

// Throws InvalidArgument for count < 1.
std::vector<EvalPrompt> held_out_prompts(int count, double aspect = 1.0);

// The noise seeds of the evaluation: 0, 1, ..., count - 1. Throws InvalidArgument for count < 1.
std::vector<uint64_t> eval_seeds(int count);

}  // namespace blade::eval
