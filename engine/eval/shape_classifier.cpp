#include "eval/shape_classifier.h"

#include "world/shapes.h"

#include <algorithm>
#include <cmath>

namespace blade::eval {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr size_t kMaxFrames = 8;

double max_extent() {
  double extent = 0;
  for (world::Shape shape : world::kShapes) extent = std::max(extent, world::shape_extent(shape));
  return extent;
}

}  // namespace

double soft_iou(const torch::Tensor& a, const torch::Tensor& b) {
  const double intersection = torch::minimum(a, b).sum().item<double>();
  const double union_ = torch::maximum(a, b).sum().item<double>();
  return union_ > 0 ? intersection / union_ : 0.0;
}

ShapeVote classify_shape(const Track& track, int64_t height, int64_t width) {
  std::vector<const Blob*> usable;
  for (const auto& blob : track.blobs)
    if (!blob.touches_border && std::sqrt(blob.area / kPi) >= 2.0) usable.push_back(&blob);
  if (usable.empty())
    for (const auto& blob : track.blobs) usable.push_back(&blob);
  if (usable.size() > kMaxFrames) {  // evenly spaced frames are enough to see the shape
    std::vector<const Blob*> spaced;
    for (size_t i = 0; i < kMaxFrames; ++i) spaced.push_back(usable[i * (usable.size() - 1) / (kMaxFrames - 1)]);
    usable = spaced;
  }

  // Compare within a square window around each blob, large enough for any shape at its radius.
  double largest = 0;
  for (const Blob* blob : usable) largest = std::max(largest, std::sqrt(blob->area / kPi));
  const int64_t window = 2 * static_cast<int64_t>(std::ceil(max_extent() * largest)) + 6;
  const int64_t n = static_cast<int64_t>(usable.size());
  std::vector<float> centres, radii;
  torch::Tensor observed = torch::zeros({n, window, window}, torch::kFloat32);
  for (int64_t i = 0; i < n; ++i) {
    const Blob& blob = *usable[i];
    const int64_t x0 = static_cast<int64_t>(std::floor(blob.x)) - window / 2;
    const int64_t y0 = static_cast<int64_t>(std::floor(blob.y)) - window / 2;
    centres.push_back(static_cast<float>(blob.x - static_cast<double>(x0)));
    centres.push_back(static_cast<float>(blob.y - static_cast<double>(y0)));
    radii.push_back(static_cast<float>(std::sqrt(blob.area / kPi)));
    // Copy the part of the window that lies inside the frame.
    const int64_t fx0 = std::max<int64_t>(x0, 0), fy0 = std::max<int64_t>(y0, 0);
    const int64_t fx1 = std::min(x0 + window, width), fy1 = std::min(y0 + window, height);
    if (fx1 <= fx0 || fy1 <= fy0) continue;
    using torch::indexing::Slice;
    observed[i].index_put_({Slice(fy0 - y0, fy1 - y0), Slice(fx0 - x0, fx1 - x0)},
                           blob.alpha.index({Slice(fy0, fy1), Slice(fx0, fx1)}));
  }
  const torch::Tensor centre_tensor = torch::tensor(centres).view({n, 2});
  const torch::Tensor radius_tensor = torch::tensor(radii);

  ShapeVote vote;
  vote.iou = vote.runner_up_iou = -1.0;
  for (world::Shape shape : world::kShapes) {
    const torch::Tensor rendered = world::shape_coverage(shape, centre_tensor, radius_tensor, window, window);
    const torch::Tensor intersection = torch::minimum(observed, rendered).sum({1, 2});
    const torch::Tensor union_ = torch::maximum(observed, rendered).sum({1, 2}).clamp_min(1e-9);
    const double iou = (intersection / union_).mean().item<double>();
    vote.ious[world::index_of(shape)] = iou;
    if (iou > vote.iou) {
      vote.runner_up_iou = vote.iou;
      vote.iou = iou;
      vote.shape = shape;
    } else if (iou > vote.runner_up_iou) {
      vote.runner_up_iou = iou;
    }
  }
  return vote;
}

}  // namespace blade::eval
