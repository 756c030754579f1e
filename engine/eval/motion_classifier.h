#pragma once
// Motion, speed and size of a track from its centroid and radius over time (frame units: the
// shorter frame side is 1). A decision list over a few trajectory features, with thresholds halfway
// between what the world's motions produce:
//   hardly moves         -> grow / shrink by the radius trend (or none: a still object)
//   moves along x and y  -> orbit
//   straight along one axis -> left / right / up / down (trend >= 0.6 x path length on that axis)
//   goes up and returns  -> bounce
// Speed: travel (linear), vertical path length (bounce), growth factor (grow/shrink), angle swept
// around a fitted circle (orbit). Size: geometric mean radius.

#include "world/attributes.h"

#include <optional>
#include <vector>

namespace blade::eval {

struct TimedPose {
  double t = 0.0;  // 0 first frame .. 1 last frame
  double x = 0.0, y = 0.0, radius = 0.0;
};

struct MotionFeatures {
  double range_x = 0.0, range_y = 0.0;  // extent of the centroid path
  double trend_x = 0.0, trend_y = 0.0;  // least-squares displacement over the whole clip
  double log_growth = 0.0;              // least-squares change of log radius over the clip
  double horizontal_path = 0.0;         // sum |dx| scaled to the whole clip
  double vertical_path = 0.0;           // sum |dy| scaled to the whole clip
  double sweep = 0.0;                   // radians turned around the fitted circle, scaled to the clip
  double mean_radius = 0.0;             // geometric mean
};

struct MotionVote {
  std::optional<world::Motion> motion;  // nullopt: none of the world's motions
  world::Speed speed = world::Speed::Slow;
  world::Size size = world::Size::Small;
  MotionFeatures features;
};

MotionFeatures motion_features(const std::vector<TimedPose>& poses);

// Needs at least one pose; with fewer than 3 no motion is recognised.
MotionVote classify_motion(const std::vector<TimedPose>& poses);

// How much of an asked motion a track made, as a share of what the world draws at the asked speed:
// its least-squares displacement along the asked direction (left, right, up, down) or its change of
// log radius (grow, shrink). 1: moves as asked; 0: stays still; negative: the other way. Unlike the
// motion vote it grades a partly learnt motion. None for bounce and orbit (no one direction).
std::optional<double> travel_share(world::Motion asked, world::Speed speed, const MotionFeatures& found);

}  // namespace blade::eval
