#pragma once
// What a prompt of the synthetic world states, as class indices: the targets of the text
// encoder's attribute objective (text_pretrainer.h). Objects are numbered in the order the prompt
// names them (the scene's order, world/prompt_grammar.h).

#include "world/attributes.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace blade::train {

struct TextAttribute {
  std::string name;  // "background", "tone", "objects", "shape.1", ..., "speed.2"
  int64_t classes = 0;
};

// background kind, tone, object count, then shape, colour, size, motion and speed of object 1 and
// of object 2: 13 attributes.
const std::vector<TextAttribute>& text_attributes();

// Marks an attribute the prompt does not state (object 2 of a one-object scene).
inline constexpr int64_t kNotStated = -1;

// [scenes, 13] int64 class indices (the enum's value; object count 0 for one, 1 for two).
torch::Tensor text_attribute_targets(const std::vector<world::SceneAttributes>& scenes);

}  // namespace blade::train
