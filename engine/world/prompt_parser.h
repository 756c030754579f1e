#pragma once
// Reads a prompt of the world's grammar back into scene attributes (for scoring a generated clip
// against its prompt). Word order is free within an object's clause; objects are separated by
// "and"/"while"; the background clause runs from its marker ("over", "against", "in front of") to
// the next comma or the end.

#include "world/attributes.h"

#include <optional>
#include <string>

namespace blade::world {

// Throws InvalidArgument naming the piece that is missing or unknown.
SceneAttributes parse_prompt(const std::string& prompt);

// std::nullopt instead of an error.
std::optional<SceneAttributes> try_parse_prompt(const std::string& prompt);

}  // namespace blade::world
