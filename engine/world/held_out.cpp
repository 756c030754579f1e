#include "world/held_out.h"

namespace blade::world {

// Two motions per colour (c + m divisible by 4), each with one shape: 16 of the 384 triples.
bool is_held_out(Colour colour, Shape shape, Motion motion) {
  const int c = index_of(colour), s = index_of(shape), m = index_of(motion);
  return (c + m) % 4 == 0 && s == (c + 2 * m) % static_cast<int>(kShapes.size());
}

bool is_held_out(const ObjectAttributes& object) { return is_held_out(object.colour, object.shape, object.motion); }

const std::vector<Triple>& held_out_triples() {
  static const std::vector<Triple> triples = [] {
    std::vector<Triple> list;
    for (Colour c : kColours)
      for (Shape s : kShapes)
        for (Motion m : kMotions)
          if (is_held_out(c, s, m)) list.push_back({c, s, m});
    return list;
  }();
  return triples;
}

}  // namespace blade::world
