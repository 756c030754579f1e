#pragma once
// The words of the prompt grammar, shared by the generator and the parser. The first entry of every
// list is the canonical wording. Background words only occur after a background marker, so a tone
// may reuse a colour word ("sky blue") without being taken for an object's colour.

#include "world/attributes.h"

#include <string>
#include <vector>

namespace blade::world::vocabulary {

using Words = std::vector<std::string>;

const Words& words(Colour colour);
const Words& words(Shape shape);
const Words& words(Size size);
const Words& words(Tone tone);
const Words& words(BackgroundKind kind);
const Words& phrases(Motion motion, Speed speed);

const Words& background_markers();  // "over", "against", "in front of"
const Words& object_joiners();      // "and", "while"

}  // namespace blade::world::vocabulary
