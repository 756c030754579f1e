#include "world/motion.h"

#include "core/error.h"

#include <cmath>

namespace blade::world {

using namespace motion_constants;

double radius_of(Size size) { return size == Size::Small ? kSmallRadius : kLargeRadius; }
double travel_distance(Speed speed) { return speed == Speed::Fast ? kFastDistance : kSlowDistance; }
double growth_factor(Speed speed) { return speed == Speed::Fast ? kFastGrowth : kSlowGrowth; }

Pose pose_at(const ObjectAttributes& object, const Placement& p, double t) {
  const bool fast = object.speed == Speed::Fast;
  const double distance = travel_distance(object.speed);
  const double growth = growth_factor(object.speed);
  Pose pose{p.x, p.y, radius_of(object.size)};
  switch (object.motion) {
    case Motion::Left: pose.x -= distance * t; break;
    case Motion::Right: pose.x += distance * t; break;
    case Motion::Up: pose.y -= distance * t; break;
    case Motion::Down: pose.y += distance * t; break;
    case Motion::Bounce: {
      const int hops = fast ? kFastHops : kSlowHops;
      pose.y -= kBounceHeight * std::abs(std::sin(kSlowSweep * hops * t));
      break;
    }
    case Motion::Grow: pose.radius *= std::pow(growth, t - 0.5); break;
    case Motion::Shrink: pose.radius *= std::pow(growth, 0.5 - t); break;
    case Motion::Orbit: {
      const double angle = p.phase + p.turn * (fast ? kFastSweep : kSlowSweep) * t;
      pose.x += kOrbitRadius * std::cos(angle);
      pose.y += kOrbitRadius * std::sin(angle);
      break;
    }
  }
  return pose;
}

std::vector<Pose> object_track(const ObjectAttributes& object, const Placement& placement, int64_t frames) {
  if (frames < 1) fail(ErrorKind::InvalidArgument, "a clip needs at least 1 frame, got {}", frames);
  std::vector<Pose> poses;
  poses.reserve(frames);
  for (int64_t f = 0; f < frames; ++f) {
    const double t = frames == 1 ? 0.0 : static_cast<double>(f) / static_cast<double>(frames - 1);
    poses.push_back(pose_at(object, placement, t));
  }
  return poses;
}

}  // namespace blade::world
