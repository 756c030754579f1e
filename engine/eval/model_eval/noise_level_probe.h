#pragma once
// How much of a held-out clip a BLADE-mini model recovers in one step from each noise level. The
// world renders the scene of each held-out prompt, the clip is noised to sigma, the DiT predicts
// the velocity once and x0 = x - sigma v is judged against the prompt: once conditioned on the
// prompt and once on the empty prompt, from the same noise. Where a model draws its objects but not
// their motion, the rows show from which noise level on the motion is lost, and whether the
// prompt's words change the prediction there at all (conditioned against empty). Sigma 0 is the
// judge on the world's own clips (x0 = x). The DiT runs in float32 with dense attention.

#include "core/cancel.h"
#include "eval/judge.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace blade::eval {

struct NoiseLevelOptions {
  std::vector<double> sigmas = {0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0};  // each in [0, 1]
  int prompts = 16;   // held_out_prompts(prompts)
  uint64_t seed = 0;  // of the noise
  std::string device = "cpu";
  int batch = 8;  // clips per DiT call
};

struct NoiseLevelRow {
  double sigma = 0.0;
  bool conditioned = true;  // on the prompt; false: on the empty prompt
  int clips = 0;
  AttributeScores accuracy;      // means over the clips; overall is the quality
  std::optional<double> travel;  // median Judgement::travel over the clips that have one
};

struct NoiseLevelProgress {
  int done = 0, total = 0;  // judged clips
};

struct NoiseLevelClip {
  double sigma = 0.0;
  bool conditioned = true;
  int prompt = 0;          // index into held_out_prompts
  torch::Tensor video;     // the judged prediction, [3, F, H, W] in [-1, 1] on the 8-bit grid, CPU
};

struct NoiseLevelCallbacks {
  std::function<void(const NoiseLevelProgress&)> on_progress;
  std::function<void(const NoiseLevelClip&)> on_clip;
};

// Rows in the order of options.sigmas, conditioned before empty. Throws InvalidArgument for a sigma
// outside [0, 1], prompts or batch < 1; BadWeights when the folder is not a BLADE-mini model.
std::vector<NoiseLevelRow> probe_noise_levels(const std::filesystem::path& model_folder, const NoiseLevelOptions& options,
                                              const NoiseLevelCallbacks& callbacks = {},
                                              const CancelToken* cancel = nullptr);

}  // namespace blade::eval
