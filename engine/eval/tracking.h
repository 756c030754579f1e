#pragma once
// Links blobs across frames into object tracks: a blob continues the nearest track of the same
// palette colour that has no blob in its frame yet (objects of one scene have distinct colours) and
// whose last blob is at most max_step pixels per frame between them away; otherwise it starts a
// new track (so a track does not jump to a stray blob across the frame).

#include "eval/blobs.h"

#include <vector>

namespace blade::eval {

struct Track {
  world::Colour colour = world::Colour::Red;
  std::vector<Blob> blobs;  // at most one per frame, in frame order

  double presence(int64_t frames) const { return static_cast<double>(blobs.size()) / static_cast<double>(frames); }
  double mean_area() const;
};

// Tracks seen in at least `min_presence` of the frames, most present (then largest) first.
std::vector<Track> link_blobs(const std::vector<Blob>& blobs, int64_t frames, double min_presence, double max_step);

}  // namespace blade::eval
