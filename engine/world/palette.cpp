#include "world/palette.h"

#include <cmath>
#include <limits>

namespace blade::world {
namespace {

double srgb_to_linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }

double lab_f(double t) {
  constexpr double delta = 6.0 / 29.0;
  return t > delta * delta * delta ? std::cbrt(t) : t / (3 * delta * delta) + 4.0 / 29.0;
}

}  // namespace

Rgb rgb(Colour colour) {
  static const Rgb table[] = {
      {0.90, 0.12, 0.12},  // red
      {1.00, 0.55, 0.05},  // orange
      {0.98, 0.90, 0.10},  // yellow
      {0.15, 0.75, 0.20},  // green
      {0.10, 0.85, 0.90},  // cyan
      {0.12, 0.25, 0.95},  // blue
      {0.55, 0.15, 0.80},  // purple
      {1.00, 0.45, 0.75},  // pink
  };
  return table[index_of(colour)];
}

Rgb rgb(Tone tone) {
  static const Rgb table[] = {
      {0.55, 0.72, 0.92},  // sky
      {0.80, 0.70, 0.50},  // sand
      {0.10, 0.12, 0.25},  // night
      {0.55, 0.55, 0.55},  // fog
  };
  return table[index_of(tone)];
}

Lab to_lab(const Rgb& c) {
  const double r = srgb_to_linear(c[0]), g = srgb_to_linear(c[1]), b = srgb_to_linear(c[2]);
  const double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const double y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b);
  const double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
  const double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

double delta_e(const Lab& a, const Lab& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

PaletteMatch nearest_colour(const Rgb& c) {
  const Lab lab = to_lab(c);
  PaletteMatch best{Colour::Red, std::numeric_limits<double>::infinity()};
  for (Colour candidate : kColours) {
    const double d = delta_e(lab, to_lab(rgb(candidate)));
    if (d < best.distance) best = {candidate, d};
  }
  return best;
}

}  // namespace blade::world
