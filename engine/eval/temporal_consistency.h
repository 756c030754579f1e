#pragma once
// Frame-to-frame consistency of a clip: the background away from objects should not change
// (flicker), and every object should be present in every frame and move smoothly.
//   score = exp(-flicker / 0.05) * mean over tracks of presence * (1 - jump fraction) * smoothness
// On each run of consecutive frames the object state s = (x, y, radius) in frame units gives
// steps |s' - s| and bends |s'' |. A jump is a step over max(4 x the median step, 0.03). The bend
// ratio median|s''| / max(median|s'|, 0.005) is about 0 for straight motion, up to ~0.8 for the
// world's orbits and bounces at 9+ frames, and about 1.7 for frames in random order;
// smoothness = clamp((1.7 - ratio) / 0.7, 0, 1).

#include "eval/tracking.h"

#include <vector>

namespace blade::eval {

struct TemporalConsistency {
  double flicker = 0.0;     // mean |change| per channel between consecutive frames, background pixels
  double continuity = 1.0;  // mean over tracks; 1 when there are none
  double score = 1.0;
};

// frames: [3, F, H, W] in [0, 1].
TemporalConsistency temporal_consistency(const torch::Tensor& frames, const std::vector<Track>& tracks);

}  // namespace blade::eval
