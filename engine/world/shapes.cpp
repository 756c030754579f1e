#include "world/shapes.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <cmath>
#include <utility>
#include <vector>

namespace blade::world {
namespace {

using torch::Tensor;
constexpr double kPi = 3.14159265358979323846;

// Unit-radius geometry with area pi.
const double kSquareHalfSide = std::sqrt(kPi) / 2;                      // (2a)^2 = pi
const double kTriangleCircumradius = std::sqrt(4 * kPi / (3 * std::sqrt(3.0)));
constexpr double kStarInnerRatio = 0.5;
const double kStarOuter = std::sqrt(kPi / (5 * kStarInnerRatio * std::sin(kPi / 5)));
constexpr double kRingOuter = 1.25, kRingInner = 0.75;                // pi (1.25^2 - 0.75^2) = pi

using Point = std::pair<double, double>;

std::vector<Point> triangle_vertices() {
  std::vector<Point> v;
  for (int k = 0; k < 3; ++k) {
    const double angle = -kPi / 2 + k * 2 * kPi / 3;  // first vertex points up (y grows downwards)
    v.emplace_back(kTriangleCircumradius * std::cos(angle), kTriangleCircumradius * std::sin(angle));
  }
  return v;
}

std::vector<Point> star_vertices() {
  std::vector<Point> v;
  for (int k = 0; k < 10; ++k) {
    const double angle = -kPi / 2 + k * kPi / 5;
    const double radius = k % 2 == 0 ? kStarOuter : kStarOuter * kStarInnerRatio;
    v.emplace_back(radius * std::cos(angle), radius * std::sin(angle));
  }
  return v;
}

Tensor box_distance(const Tensor& u, const Tensor& v, double half_side) {
  const Tensor qx = u.abs() - half_side, qy = v.abs() - half_side;
  const Tensor outside = torch::sqrt(qx.clamp_min(0).square() + qy.clamp_min(0).square());
  return outside + torch::maximum(qx, qy).clamp_max(0);
}

// Exact signed distance to a simple polygon: nearest edge, sign from the even-odd crossing rule.
Tensor polygon_distance(const Tensor& u, const Tensor& v, const std::vector<Point>& vertices) {
  Tensor nearest_sq;
  Tensor inside = torch::zeros_like(u, u.options().dtype(torch::kBool));
  const size_t n = vertices.size();
  for (size_t i = 0; i < n; ++i) {
    const auto [ax, ay] = vertices[i];
    const auto [bx, by] = vertices[(i + 1) % n];
    const double ex = bx - ax, ey = by - ay;
    const Tensor px = u - ax, py = v - ay;
    const Tensor h = ((px * ex + py * ey) / (ex * ex + ey * ey)).clamp(0, 1);
    const Tensor d_sq = (px - h * ex).square() + (py - h * ey).square();
    nearest_sq = nearest_sq.defined() ? torch::minimum(nearest_sq, d_sq) : d_sq;
    if (ay != by) {
      const Tensor straddles = (v < ay) != (v < by);
      const Tensor left_of_edge = u < (v - ay) * (ex / ey) + ax;
      inside = inside ^ (straddles & left_of_edge);
    }
  }
  const Tensor distance = torch::sqrt(nearest_sq);
  return torch::where(inside, -distance, distance);
}

// Signed distance in units of the radius, for coordinates relative to the centroid.
Tensor unit_distance(Shape shape, const Tensor& u, const Tensor& v) {
  switch (shape) {
    case Shape::Circle:
      return torch::sqrt(u.square() + v.square()) - 1.0;
    case Shape::Square:
      return box_distance(u, v, kSquareHalfSide);
    case Shape::Diamond: {
      const double s = std::sqrt(0.5);
      return box_distance((u + v) * s, (v - u) * s, kSquareHalfSide);
    }
    case Shape::Triangle: {
      static const std::vector<Point> vertices = triangle_vertices();
      return polygon_distance(u, v, vertices);
    }
    case Shape::Star: {
      static const std::vector<Point> vertices = star_vertices();
      return polygon_distance(u, v, vertices);
    }
    case Shape::Ring: {
      const double middle = (kRingOuter + kRingInner) / 2, half_width = (kRingOuter - kRingInner) / 2;
      return (torch::sqrt(u.square() + v.square()) - middle).abs() - half_width;
    }
  }
  fail(ErrorKind::Internal, "unknown shape {}", static_cast<int>(shape));
}

}  // namespace

double shape_extent(Shape shape) {
  switch (shape) {
    case Shape::Circle: return 1.0;
    case Shape::Square:
    case Shape::Diamond: return kSquareHalfSide * std::sqrt(2.0);
    case Shape::Triangle: return kTriangleCircumradius;
    case Shape::Star: return kStarOuter;
    case Shape::Ring: return kRingOuter;
  }
  fail(ErrorKind::Internal, "unknown shape {}", static_cast<int>(shape));
}

Tensor shape_coverage(Shape shape, const Tensor& centres_px, const Tensor& radii_px, int64_t height, int64_t width) {
  if (centres_px.dim() != 2 || centres_px.size(1) != 2 || radii_px.dim() != 1 ||
      radii_px.size(0) != centres_px.size(0)) {
    fail(ErrorKind::Internal, "shape_coverage expects centres [n, 2] and radii [n], got {} and {}",
         shape_string(centres_px.sizes()), shape_string(radii_px.sizes()));
  }
  const auto options = centres_px.options();
  const Tensor xs = (torch::arange(width, options) + 0.5).view({1, 1, width});
  const Tensor ys = (torch::arange(height, options) + 0.5).view({1, height, 1});
  const Tensor radius = radii_px.view({-1, 1, 1});
  const Tensor safe_radius = radius.clamp_min(1e-3);
  const Tensor u = (xs - centres_px.select(1, 0).view({-1, 1, 1})) / safe_radius;
  const Tensor v = (ys - centres_px.select(1, 1).view({-1, 1, 1})) / safe_radius;
  const Tensor u_full = u.expand({-1, height, width}), v_full = v.expand({-1, height, width});
  const Tensor distance_px = unit_distance(shape, u_full, v_full) * safe_radius;
  // A radius of zero (an object absent from a frame) covers nothing.
  return (0.5 - distance_px).clamp(0, 1) * (radius > 1e-3);
}

}  // namespace blade::world
