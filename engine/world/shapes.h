#pragma once
// Shape geometry and anti-aliased coverage. Every shape at radius r covers the area of a circle of
// radius r (pi r^2), so an object's size reads the same whatever its shape, and its reference point
// is its centroid. Coverage is clamp(0.5 - signed distance in pixels, 0, 1): a one-pixel soft edge.

#include "world/attributes.h"

#include <torch/types.h>

namespace blade::world {

// Distance from the centroid to the farthest point of the shape, in units of its radius.
double shape_extent(Shape shape);

// Coverage of `shape` for n placements on an H x W pixel grid (pixel centres at +0.5).
// centres_px: [n, 2] (x, y) in pixels; radii_px: [n]. Both float, on the device to render on.
// Returns [n, H, W] in [0, 1], same dtype and device as centres_px; a radius <= 0 covers nothing.
torch::Tensor shape_coverage(Shape shape, const torch::Tensor& centres_px, const torch::Tensor& radii_px,
                             int64_t height, int64_t width);

}  // namespace blade::world
