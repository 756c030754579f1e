#pragma once
// The four static backgrounds, each a base tone with a smooth (learnable) pattern:
// solid, vertical gradient (light at the top), diagonal stripes, checkerboard.

#include "world/attributes.h"

#include <torch/types.h>

namespace blade::world {

// [3, H, W] display RGB in [0, 1].
torch::Tensor render_background(const Background& background, int64_t height, int64_t width,
                                const torch::TensorOptions& options = torch::kFloat32);

// The same background with its pattern moved by (dy, dx) pixels (down and right), continued over
// the whole frame: what a generator that draws the pattern off its place shows.
torch::Tensor render_background_shifted(const Background& background, int64_t height, int64_t width, double dy,
                                        double dx, const torch::TensorOptions& options = torch::kFloat32);

// The darkest and the lightest colour a stripe or check pattern of this tone takes (tone -+ the
// pattern's swing): [3, 2] float32, columns dark, light. The pattern adds one offset to every
// channel, so all its colours, edges included, lie on the segment between the two.
torch::Tensor pattern_tone_range(Tone tone);

// How far the pattern repeats along x, in frame units (the shorter side is 1): 0 for solid and
// gradient. Stripes repeat along x + y, checks along x and y.
double pattern_period(BackgroundKind kind);

}  // namespace blade::world
