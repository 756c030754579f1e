#pragma once
// Prompts for scenes: "a small red circle drifts to the left over a sky blue gradient". The wording
// (synonyms, word order, sentence template) is drawn from the seed; the attributes always read
// back unchanged through parse_prompt.

#include "world/attributes.h"

#include <cstdint>
#include <string>

namespace blade::world {

std::string make_prompt(const SceneAttributes& scene, uint64_t seed);

// Always the first wording of every word and the first template.
std::string canonical_prompt(const SceneAttributes& scene);

}  // namespace blade::world
