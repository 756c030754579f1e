#include "world/scene_sampler.h"

#include "core/error.h"
#include "core/log.h"
#include "world/held_out.h"
#include "world/rng.h"
#include "world/shapes.h"

#include <algorithm>
#include <cmath>

namespace blade::world {
namespace {

constexpr double kBorderMargin = 0.02;  // frame units kept free between an object and the border
constexpr double kObjectGap = 0.04;     // frame units kept free between two objects
constexpr int kTimeSamples = 65;
constexpr int kPlacementTries = 200;
constexpr int kPartnerTries = 50;

struct FrameExtent {
  double width = 1.0, height = 1.0;  // frame units
};

FrameExtent extent_for(double aspect) {
  if (!(aspect > 0)) fail(ErrorKind::InvalidArgument, "expected an aspect ratio > 0, got {}", aspect);
  return aspect >= 1 ? FrameExtent{aspect, 1.0} : FrameExtent{1.0, 1.0 / aspect};
}

double time_at(int i) { return static_cast<double>(i) / (kTimeSamples - 1); }

struct Box {
  double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
};

// Bounding box of the whole path of an object anchored at (0, 0).
Box path_box(const ObjectAttributes& object, Placement placement) {
  placement.x = placement.y = 0.0;
  const double extent = shape_extent(object.shape);
  Box box;
  for (int i = 0; i < kTimeSamples; ++i) {
    const Pose pose = pose_at(object, placement, time_at(i));
    const double reach = extent * pose.radius;
    box.x0 = std::min(box.x0, pose.x - reach);
    box.x1 = std::max(box.x1, pose.x + reach);
    box.y0 = std::min(box.y0, pose.y - reach);
    box.y1 = std::max(box.y1, pose.y + reach);
  }
  return box;
}

bool apart(const ObjectAttributes& a, const Placement& pa, const ObjectAttributes& b, const Placement& pb) {
  const double ea = shape_extent(a.shape), eb = shape_extent(b.shape);
  for (int i = 0; i < kTimeSamples; ++i) {
    const Pose qa = pose_at(a, pa, time_at(i)), qb = pose_at(b, pb, time_at(i));
    if (std::hypot(qa.x - qb.x, qa.y - qb.y) < ea * qa.radius + eb * qb.radius + kObjectGap) return false;
  }
  return true;
}

// A placement keeping the object inside the frame, anchor uniform over the feasible range.
Placement place(const ObjectAttributes& object, const FrameExtent& frame, Rng& rng) {
  Placement placement;
  placement.phase = rng.uniform(0.0, 2 * 3.14159265358979323846);
  placement.turn = rng.chance(0.5) ? 1 : -1;
  const Box box = path_box(object, placement);
  const double x_low = kBorderMargin - box.x0, x_high = frame.width - kBorderMargin - box.x1;
  const double y_low = kBorderMargin - box.y0, y_high = frame.height - kBorderMargin - box.y1;
  if (x_low > x_high || y_low > y_high) {
    fail(ErrorKind::Internal, "the path of a {} does not fit a {}x{} frame", to_string(object), frame.width,
         frame.height);
  }
  placement.x = rng.uniform(x_low, x_high);
  placement.y = rng.uniform(y_low, y_high);
  return placement;
}

template <typename Array>
auto pick(const Array& values, Rng& rng) {
  return values[rng.below(static_cast<int64_t>(values.size()))];
}

ObjectAttributes draw_object(Rng& rng, bool held_out, int avoid_colour) {
  ObjectAttributes object;
  if (held_out) {
    const auto& triples = held_out_triples();
    const Triple& triple = triples[rng.below(static_cast<int64_t>(triples.size()))];
    object.colour = triple.colour;
    object.shape = triple.shape;
    object.motion = triple.motion;
  } else {
    do {
      object.colour = pick(kColours, rng);
      object.shape = pick(kShapes, rng);
      object.motion = pick(kMotions, rng);
    } while (is_held_out(object) || index_of(object.colour) == avoid_colour);
  }
  object.size = pick(kSizes, rng);
  object.speed = pick(kSpeeds, rng);
  return object;
}

}  // namespace

Scene sample_scene(uint64_t seed, Split split, const SamplerSettings& settings) {
  const FrameExtent frame = extent_for(settings.aspect);
  Rng rng(seed);
  Scene scene;
  scene.attributes.background = {pick(kBackgroundKinds, rng), pick(kTones, rng)};
  const bool two_objects = rng.chance(settings.two_object_probability);

  const ObjectAttributes first = draw_object(rng, split == Split::HeldOut, -1);
  const Placement first_place = place(first, frame, rng);
  scene.attributes.objects.push_back(first);
  scene.placements.push_back(first_place);
  if (!two_objects) return scene;

  for (int partner = 0; partner < kPartnerTries; ++partner) {
    const ObjectAttributes second = draw_object(rng, false, index_of(first.colour));
    for (int attempt = 0; attempt < kPlacementTries; ++attempt) {
      const Placement second_place = place(second, frame, rng);
      if (apart(first, first_place, second, second_place)) {
        scene.attributes.objects.push_back(second);
        scene.placements.push_back(second_place);
        return scene;
      }
    }
  }
  log::get("world")->warn("scene {}: no room for a second object beside a {}", seed, to_string(first));
  return scene;
}

Scene arrange_scene(const SceneAttributes& attributes, uint64_t seed, double aspect) {
  const FrameExtent frame = extent_for(aspect);
  if (attributes.objects.empty() || attributes.objects.size() > 2) {
    fail(ErrorKind::InvalidArgument, "expected 1 or 2 objects to arrange, got {}", attributes.objects.size());
  }
  Rng rng(Rng::derive(seed, 0x617272616e6765ull));
  Scene scene{attributes, {}};
  for (int attempt = 0; attempt < kPlacementTries * kPartnerTries; ++attempt) {
    scene.placements.clear();
    for (const auto& object : attributes.objects) scene.placements.push_back(place(object, frame, rng));
    if (scene.placements.size() == 1 ||
        apart(attributes.objects[0], scene.placements[0], attributes.objects[1], scene.placements[1])) {
      return scene;
    }
  }
  fail(ErrorKind::InvalidArgument, "found no room for both objects of '{}' in a frame of aspect {}",
       to_string(attributes), aspect);
}

bool scene_fits(const Scene& scene, double aspect) {
  const FrameExtent frame = extent_for(aspect);
  const auto& objects = scene.attributes.objects;
  for (size_t i = 0; i < objects.size(); ++i) {
    const double extent = shape_extent(objects[i].shape);
    for (int k = 0; k < kTimeSamples; ++k) {
      const Pose pose = pose_at(objects[i], scene.placements[i], time_at(k));
      const double reach = extent * pose.radius;
      if (pose.x - reach < 0 || pose.y - reach < 0 || pose.x + reach > frame.width || pose.y + reach > frame.height) {
        return false;
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (!apart(objects[i], scene.placements[i], objects[j], scene.placements[j])) return false;
    }
  }
  return true;
}

}  // namespace blade::world
