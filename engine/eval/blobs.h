#pragma once
// Objects in single frames: pixels far from the estimated background are foreground; each
// connected component is a blob, measured with soft coverage so that its area and centroid are
// sub-pixel accurate on anti-aliased edges.

#include "world/palette.h"

#include <torch/types.h>

#include <vector>

namespace blade::eval {

struct SegmentationSettings {
  double foreground_threshold = 0.12;  // RGB distance from the background, display units
  int64_t min_pixels = 0;              // smaller components are noise; 0: max(4, H*W/2000)
  double max_area_fraction = 0.3;      // larger components are not objects (the world's biggest is ~0.13)
};

struct Blob {
  int64_t frame = 0;
  world::Rgb colour{};              // median colour of the blob's interior
  world::Colour palette = world::Colour::Red;
  double palette_distance = 0.0;    // Delta E to that palette colour
  double area = 0.0;                // pixels, soft
  double x = 0.0, y = 0.0;          // soft centroid in pixels (pixel centres at +0.5)
  bool touches_border = false;
  torch::Tensor alpha;              // [H, W] float32: this blob's coverage, zero elsewhere
};

// frames: [3, F, H, W] in [0, 1]; background: [3, H, W] in [0, 1]. Each frame is compared with the
// background shifted by that frame's colour cast (per-channel median difference), so a global
// brightness flicker does not turn the whole frame into foreground; it must also be farther than the
// foreground threshold from the segment of colours `tone_segment` spans where given ([3, 2]: its
// two ends; the judge gives the background tone's pattern colours, world::pattern_tone_range, plus
// the clip's colour cast), so a pattern drawn off its template, distorted or in place of a plain
// background does not become objects. Safe because every object colour of the world lies far from
// those segments (test: every_object_colour_stands_out_of_every_pattern). Blobs of all frames, in
// frame order.
std::vector<Blob> find_blobs(const torch::Tensor& frames, const torch::Tensor& background,
                             const SegmentationSettings& settings = {}, const torch::Tensor& tone_segment = {});

}  // namespace blade::eval
