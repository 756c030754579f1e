#pragma once
// How objects move. Positions and radii are in "frame units": one unit is the shorter side of the
// frame, so a scene looks the same at any resolution. x grows to the right, y downwards. Time t runs
// from 0 (first frame) to 1 (last frame), so speed means "how much happens within the clip".

#include "world/attributes.h"

#include <vector>

namespace blade::world {

namespace motion_constants {
inline constexpr double kSmallRadius = 0.08;
inline constexpr double kLargeRadius = 0.13;
inline constexpr double kSlowDistance = 0.25;  // left/right/up/down travel over the clip
inline constexpr double kFastDistance = 0.5;
inline constexpr double kBounceHeight = 0.3;
inline constexpr int kSlowHops = 1;
inline constexpr int kFastHops = 2;
inline constexpr double kSlowGrowth = 1.6;  // last radius / first radius for grow (inverse for shrink)
inline constexpr double kFastGrowth = 2.4;
inline constexpr double kOrbitRadius = 0.15;
inline constexpr double kSlowSweep = 3.14159265358979323846;  // radians turned over the clip
inline constexpr double kFastSweep = 2 * 3.14159265358979323846;
}  // namespace motion_constants

double radius_of(Size size);
// What a speed means: the distance a left/right/up/down motion covers over the clip, and the factor
// (last radius over first) a grow or shrink changes the size by.
double travel_distance(Speed speed);
double growth_factor(Speed speed);

// Where a path is anchored: the start point (left/right/up/down), the floor point (bounce) or
// the centre (grow/shrink/orbit), plus the orbit's start angle and turning direction.
struct Placement {
  double x = 0.5, y = 0.5;
  double phase = 0.0;  // radians
  int turn = 1;        // +1 clockwise on screen (y down), -1 counter-clockwise
};

struct Pose {
  double x = 0.0, y = 0.0, radius = 0.0;  // frame units
};

Pose pose_at(const ObjectAttributes& object, const Placement& placement, double t);

// One pose per frame, t = frame / (frames - 1).
std::vector<Pose> object_track(const ObjectAttributes& object, const Placement& placement, int64_t frames);

}  // namespace blade::world
