#include "eval/motion_classifier.h"

#include "core/error.h"
#include "world/motion.h"

#include <algorithm>
#include <cmath>

namespace blade::eval {
namespace {

using namespace world::motion_constants;
constexpr double kPi = 3.14159265358979323846;

constexpr double kStillRange = 0.08;                  // below any moving path's extent (>= 0.15)
constexpr double kOrbitCrossRange = kOrbitRadius / 2; // an orbit spans >= one orbit radius on both axes
constexpr double kStraightness = 0.6;                 // |trend| / path length along the main axis
const double kGrowthThreshold = std::log(kSlowGrowth) / 2;
const double kFastGrowthThreshold = std::log(std::sqrt(kSlowGrowth * kFastGrowth));
constexpr double kFastDistanceThreshold = (kSlowDistance + kFastDistance) / 2;
constexpr double kFastBouncePath = (kSlowHops + kFastHops) * kBounceHeight;  // halfway between 2h*1 and 2h*2
constexpr double kFastSweepThreshold = (kSlowSweep + kFastSweep) / 2;
const double kLargeThreshold = std::sqrt(kSmallRadius * kLargeRadius);

// Least-squares slope of values over t.
double slope(const std::vector<TimedPose>& poses, double (*value)(const TimedPose&)) {
  double mean_t = 0, mean_v = 0;
  for (const auto& p : poses) {
    mean_t += p.t;
    mean_v += value(p);
  }
  mean_t /= static_cast<double>(poses.size());
  mean_v /= static_cast<double>(poses.size());
  double covariance = 0, variance = 0;
  for (const auto& p : poses) {
    covariance += (p.t - mean_t) * (value(p) - mean_v);
    variance += (p.t - mean_t) * (p.t - mean_t);
  }
  return variance > 0 ? covariance / variance : 0.0;
}

// Algebraic (Kasa) circle fit: x^2 + y^2 + D x + E y + F = 0 in the least-squares sense.
bool fit_circle(const std::vector<TimedPose>& poses, double& cx, double& cy) {
  double m[3][3] = {}, r[3] = {};
  for (const auto& p : poses) {
    const double row[3] = {p.x, p.y, 1.0};
    const double rhs = -(p.x * p.x + p.y * p.y);
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) m[i][j] += row[i] * row[j];
      r[i] += row[i] * rhs;
    }
  }
  auto det3 = [](const double a[3][3]) {
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  };
  const double det = det3(m);
  if (std::abs(det) < 1e-18) return false;
  double solution[3];
  for (int k = 0; k < 3; ++k) {
    double replaced[3][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) replaced[i][j] = j == k ? r[i] : m[i][j];
    solution[k] = det3(replaced) / det;
  }
  cx = -solution[0] / 2;
  cy = -solution[1] / 2;
  return true;
}

}  // namespace

MotionFeatures motion_features(const std::vector<TimedPose>& poses) {
  if (poses.empty()) fail(ErrorKind::Internal, "motion_features needs at least one pose");
  MotionFeatures f;
  const auto [min_x, max_x] = std::minmax_element(poses.begin(), poses.end(), [](auto& a, auto& b) { return a.x < b.x; });
  const auto [min_y, max_y] = std::minmax_element(poses.begin(), poses.end(), [](auto& a, auto& b) { return a.y < b.y; });
  f.range_x = max_x->x - min_x->x;
  f.range_y = max_y->y - min_y->y;
  f.trend_x = slope(poses, [](const TimedPose& p) { return p.x; });
  f.trend_y = slope(poses, [](const TimedPose& p) { return p.y; });
  f.log_growth = slope(poses, [](const TimedPose& p) { return std::log(std::max(p.radius, 1e-6)); });
  double log_sum = 0;
  for (const auto& p : poses) log_sum += std::log(std::max(p.radius, 1e-6));
  f.mean_radius = std::exp(log_sum / static_cast<double>(poses.size()));

  const double span = poses.back().t - poses.front().t;
  if (poses.size() >= 3 && span > 0) {
    double path_x = 0, path_y = 0;
    for (size_t i = 1; i < poses.size(); ++i) {
      path_x += std::abs(poses[i].x - poses[i - 1].x);
      path_y += std::abs(poses[i].y - poses[i - 1].y);
    }
    f.horizontal_path = path_x / span;
    f.vertical_path = path_y / span;
    double cx = 0, cy = 0;
    if (fit_circle(poses, cx, cy)) {
      double turned = 0;
      for (size_t i = 1; i < poses.size(); ++i) {
        double step = std::atan2(poses[i].y - cy, poses[i].x - cx) - std::atan2(poses[i - 1].y - cy, poses[i - 1].x - cx);
        step = std::remainder(step, 2 * kPi);
        turned += step;
      }
      f.sweep = std::abs(turned) / span;
    }
  }
  return f;
}

MotionVote classify_motion(const std::vector<TimedPose>& poses) {
  MotionVote vote;
  vote.features = motion_features(poses);
  const MotionFeatures& f = vote.features;
  vote.size = f.mean_radius >= kLargeThreshold ? world::Size::Large : world::Size::Small;
  if (poses.size() < 3) return vote;

  using world::Motion;
  if (std::max(f.range_x, f.range_y) < kStillRange) {
    if (std::abs(f.log_growth) >= kGrowthThreshold) {
      vote.motion = f.log_growth > 0 ? Motion::Grow : Motion::Shrink;
      vote.speed = std::abs(f.log_growth) >= kFastGrowthThreshold ? world::Speed::Fast : world::Speed::Slow;
    }
    return vote;
  }
  if (std::min(f.range_x, f.range_y) >= kOrbitCrossRange) {
    vote.motion = Motion::Orbit;
    vote.speed = f.sweep >= kFastSweepThreshold ? world::Speed::Fast : world::Speed::Slow;
    return vote;
  }
  const bool horizontal = f.range_x > f.range_y;
  const double trend = horizontal ? f.trend_x : f.trend_y;
  const double path = horizontal ? f.horizontal_path : f.vertical_path;
  if (std::abs(trend) >= kStraightness * path) {
    vote.motion = horizontal ? (trend < 0 ? Motion::Left : Motion::Right) : (trend < 0 ? Motion::Up : Motion::Down);
    vote.speed = std::abs(trend) >= kFastDistanceThreshold ? world::Speed::Fast : world::Speed::Slow;
  } else if (!horizontal) {
    vote.motion = Motion::Bounce;
    vote.speed = f.vertical_path >= kFastBouncePath ? world::Speed::Fast : world::Speed::Slow;
  }
  return vote;
}

std::optional<double> travel_share(world::Motion asked, world::Speed speed, const MotionFeatures& found) {
  const double distance = world::travel_distance(speed);
  const double log_growth = std::log(world::growth_factor(speed));
  switch (asked) {
    case world::Motion::Left: return -found.trend_x / distance;
    case world::Motion::Right: return found.trend_x / distance;
    case world::Motion::Up: return -found.trend_y / distance;
    case world::Motion::Down: return found.trend_y / distance;
    case world::Motion::Grow: return found.log_growth / log_growth;
    case world::Motion::Shrink: return -found.log_growth / log_growth;
    case world::Motion::Bounce:
    case world::Motion::Orbit: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace blade::eval
