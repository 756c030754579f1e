#include "world/scene.h"

#include "core/error.h"

namespace blade::world {

void check_format(const ClipFormat& format) {
  if (format.frames < 1 || format.height < 8 || format.width < 8) {
    fail(ErrorKind::InvalidArgument, "expected a clip format with >= 1 frame and >= 8x8 pixels, got {} frames at {}x{}",
         format.frames, format.width, format.height);
  }
}

TrackScene to_tracks(const Scene& scene, int64_t frames) {
  if (scene.placements.size() != scene.attributes.objects.size()) {
    fail(ErrorKind::Internal, "a scene has {} objects but {} placements", scene.attributes.objects.size(),
         scene.placements.size());
  }
  TrackScene tracks{scene.attributes.background, {}};
  for (size_t i = 0; i < scene.placements.size(); ++i) {
    const ObjectAttributes& object = scene.attributes.objects[i];
    tracks.objects.push_back({object.shape, object.colour, object_track(object, scene.placements[i], frames)});
  }
  return tracks;
}

}  // namespace blade::world
