#pragma once
// A concrete scene (attributes plus where each object's path is anchored) and the clip format to
// render it at.

#include "world/attributes.h"
#include "world/motion.h"

#include <cstdint>
#include <vector>

namespace blade::world {

struct ClipFormat {
  int64_t frames = 17;
  int64_t height = 128;
  int64_t width = 128;
};

// Throws InvalidArgument unless frames >= 1 and height, width >= 8.
void check_format(const ClipFormat& format);

struct Scene {
  SceneAttributes attributes;
  std::vector<Placement> placements;  // one per object
};

// An object as the renderer sees it: shape, colour and one pose per frame.
struct ObjectTrack {
  Shape shape = Shape::Circle;
  Colour colour = Colour::Red;
  std::vector<Pose> poses;
};

struct TrackScene {
  Background background;
  std::vector<ObjectTrack> objects;  // painted in order, later ones on top
};

TrackScene to_tracks(const Scene& scene, int64_t frames);

}  // namespace blade::world
