#pragma once
// The colours of the world: eight saturated object colours and four muted background tones, chosen
// so that every object colour stands out from every background pixel. Values are display RGB in
// [0, 1]; the judge compares colours in CIELAB, where distances follow perceived difference.

#include "world/attributes.h"

#include <array>

namespace blade::world {

using Rgb = std::array<double, 3>;
using Lab = std::array<double, 3>;

Rgb rgb(Colour colour);
Rgb rgb(Tone tone);

// sRGB (D65) -> CIELAB.
Lab to_lab(const Rgb& rgb);

// Euclidean distance in CIELAB (Delta E 1976).
double delta_e(const Lab& a, const Lab& b);

struct PaletteMatch {
  Colour colour = Colour::Red;
  double distance = 0.0;  // Delta E to that palette entry
};

// The object colour nearest to `rgb` in CIELAB.
PaletteMatch nearest_colour(const Rgb& rgb);

}  // namespace blade::world
