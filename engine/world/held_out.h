#pragma once
// Colour x shape x motion triples that the training sampler never produces, kept for measuring
// compositional generalisation: every colour, shape and motion (and every pair of them) is still
// seen in training, only these combinations are not.

#include "world/attributes.h"

#include <vector>

namespace blade::world {

struct Triple {
  Colour colour;
  Shape shape;
  Motion motion;
  bool operator==(const Triple&) const = default;
};

bool is_held_out(Colour colour, Shape shape, Motion motion);
bool is_held_out(const ObjectAttributes& object);

// All held-out triples, in colour-major order.
const std::vector<Triple>& held_out_triples();

}  // namespace blade::world
