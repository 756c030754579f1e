#pragma once
// What `blade eval` measures on one generated clip without a reference: the judge's agreement with
// the prompt per attribute, temporal consistency and sharpness. The same function scores ground-truth
// renderings in the tests, so the judge's own error on the eval prompts is known.

#include "core/clip.h"
#include "eval/judge.h"

#include <string>

namespace blade::eval {

struct ClipScores {
  AttributeScores attributes;  // colour, shape, size, motion, speed, background, count; overall = quality
  double temporal = 0.0;       // TemporalConsistency::score
  double sharpness = 0.0;      // Sharpness::score
  Judgement judgement;         // everything the judge recovered (what the scores were computed from)
};

// video: [3, F, H, W] or [1, 3, F, H, W] in [-1, 1]; the prompt must be of the world's grammar
// (InvalidArgument otherwise).
ClipScores score_clip(const torch::Tensor& video, const std::string& prompt);

// A generated clip's 8-bit frames [F, H, W, 3] as video [3, F, H, W] float32 in [-1, 1]: what the
// user sees is what is judged and compared.
torch::Tensor video_of(const Clip& clip);

}  // namespace blade::eval
