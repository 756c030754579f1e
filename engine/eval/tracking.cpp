#include "eval/tracking.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace blade::eval {

double Track::mean_area() const {
  double sum = 0;
  for (const auto& blob : blobs) sum += blob.area;
  return blobs.empty() ? 0.0 : sum / static_cast<double>(blobs.size());
}

std::vector<Track> link_blobs(const std::vector<Blob>& blobs, int64_t frames, double min_presence,
                              double max_step) {
  std::vector<Track> tracks;
  for (int64_t f = 0; f < frames; ++f) {
    std::vector<const Blob*> current;
    for (const auto& blob : blobs)
      if (blob.frame == f) current.push_back(&blob);
    std::sort(current.begin(), current.end(), [](const Blob* a, const Blob* b) { return a->area > b->area; });
    const size_t existing = tracks.size();
    std::vector<bool> extended(existing, false);
    for (const Blob* blob : current) {
      size_t nearest = existing;
      double nearest_distance = std::numeric_limits<double>::infinity();
      for (size_t t = 0; t < existing; ++t) {
        if (extended[t] || tracks[t].colour != blob->palette) continue;
        const Blob& last = tracks[t].blobs.back();
        const double distance = std::hypot(last.x - blob->x, last.y - blob->y);
        if (distance > max_step * static_cast<double>(f - last.frame)) continue;
        if (distance < nearest_distance) {
          nearest_distance = distance;
          nearest = t;
        }
      }
      if (nearest < existing) {
        tracks[nearest].blobs.push_back(*blob);
        extended[nearest] = true;
      } else {
        tracks.push_back({blob->palette, {*blob}});
      }
    }
  }
  std::vector<Track> kept;
  for (auto& track : tracks)
    if (track.presence(frames) >= min_presence - 1e-9) kept.push_back(std::move(track));
  std::stable_sort(kept.begin(), kept.end(), [](const Track& a, const Track& b) {
    if (a.blobs.size() != b.blobs.size()) return a.blobs.size() > b.blobs.size();
    return a.mean_area() > b.mean_area();
  });
  return kept;
}

}  // namespace blade::eval
