#pragma once
// Shape by template matching: each candidate shape is rendered by the world's own renderer at the
// blob's pose (soft centroid, radius from the soft area, as every shape has area pi r^2) and
// compared with the blob's coverage by soft IoU, averaged over the track's frames.

#include "eval/tracking.h"
#include "world/attributes.h"

#include <array>

namespace blade::eval {

struct ShapeVote {
  world::Shape shape = world::Shape::Circle;
  double iou = 0.0;            // mean soft IoU of the chosen shape
  double runner_up_iou = 0.0;  // of the second best
  std::array<double, world::kShapes.size()> ious{};
};

// Soft IoU: sum(min(a, b)) / sum(max(a, b)); 0 when both are empty.
double soft_iou(const torch::Tensor& a, const torch::Tensor& b);

// Frames where the blob touches the border or is under 2 pixels in radius are skipped unless no
// other frame is left; at most 8 evenly spaced frames are compared, each in a window around the blob.
ShapeVote classify_shape(const Track& track, int64_t height, int64_t width);

}  // namespace blade::eval
