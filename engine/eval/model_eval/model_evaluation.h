#pragma once
// blade eval: the teacher and the few-step students on held-out prompts x fixed seeds, judged without
// a learned model. Per row (eval_rows.h) and clip: the judge's agreement with the prompt per
// attribute, temporal consistency, sharpness, fidelity (PSNR, SSIM) against teacher-50-dense from
// the same prompt and noise, the attention sparsity achieved and the seconds a clip took - all
// measured in one run on one device, one model loaded at a time. The numbers other than seconds
// are the same in every run on the same device.

#include "core/cancel.h"
#include "eval/judge.h"
#include "eval/model_eval/eval_rows.h"
#include "world/scene.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace blade::eval {

struct EvalModels {
  std::optional<std::filesystem::path> teacher;
  std::optional<std::filesystem::path> student8;
  std::optional<std::filesystem::path> student4;
};

struct EvalOptions {
  EvalModels models;
  int prompts = 24;  // held_out_prompts(prompts)
  int seeds = 2;     // eval_seeds(seeds)
  std::string device = "cpu";
  // Only these rows (names as in eval_rows.h), in the usual order; empty: all. Without
  // teacher-50-dense the other rows have no fidelity.
  std::vector<std::string> rows;
  // For tests on tiny models: every row runs max(1, round(nominal steps x steps_scale)) steps (the
  // names keep the nominal counts), and clips of this format instead of the teacher's default_clip.
  std::optional<double> steps_scale;
  std::optional<world::ClipFormat> clip;
};

struct EvalRow {
  std::string name;
  ModelSlot slot = ModelSlot::Teacher;
  std::filesystem::path model;
  int steps = 0;  // as run
  double guidance = 0.0;
  double shift = 0.0;
  sampling::SamplerKind sampler = sampling::SamplerKind::UniPC;
  double eta = 0.0;  // tdm only
  pipeline::AttentionSettings attention;
  int clips = 0;
  AttributeScores accuracy;  // means over the clips; accuracy.overall is the quality
  double temporal = 0.0;     // mean temporal consistency score
  double sharpness = 0.0;    // mean sharpness score
  // Median over the clips of Judgement::travel (the share of the asked displacement or growth the
  // objects made: 1 as asked, 0 still); none when no clip had such an object matched to a track.
  // An asked object that was not found at all is left out (the accuracy columns count it).
  std::optional<double> travel;
  // Means over the clips against teacher-50-dense from the same prompt and seed (PSNR in dB, +inf
  // as soon as one clip is identical); none when the teacher was not evaluated.
  std::optional<double> psnr_db;
  std::optional<double> ssim;
  double sparsity = 0.0;          // mean over all self-attention calls of the key blocks skipped
  double seconds_per_clip = 0.0;  // mean wall time of a generation (text, denoising, decode)
  // What the judge found in the row's clips, summed over them: the objects, and how many of those
  // moved in each way ("none": no motion of the world fits the track). Shows what a model draws
  // whatever the prompt asked (every object orbiting, say).
  int objects_found = 0;
  std::map<std::string, int> motions_found;
};

struct EvalSkip {
  std::string row;
  ModelSlot slot = ModelSlot::Teacher;
  std::string reason;
};

struct EvalProgress {
  std::string row;
  int clips_done = 0;   // over the whole evaluation
  int clips_total = 0;
  int step = 0;         // of the clip being generated, 1-based
  int steps = 0;
};

// One judged clip: for per-clip analysis (which motion was recovered for which prompt, say).
struct EvalClip {
  std::string row;
  std::string prompt;
  uint64_t seed = 0;
  const Judgement* judgement = nullptr;  // valid during the callback
};

struct EvalCallbacks {
  std::function<void(const EvalProgress&)> on_progress;  // every denoising step
  std::function<void(const EvalRow&)> on_row;            // each row when done, in output order
  std::function<void(const EvalSkip&)> on_skip;          // each skipped row, in output order
  std::function<void(const EvalClip&)> on_clip;          // each clip when judged
};

struct EvalReport {
  std::vector<EvalRow> rows;
  std::vector<EvalSkip> skipped;
  world::ClipFormat clip;
  std::vector<std::string> prompts;
  std::vector<uint64_t> seeds;
};

// The clip format an evaluation of these models runs at: options.clip, else the teacher's
// default_clip, else a student's, else BLADE-mini's 17 x 64 x 64.
world::ClipFormat eval_clip_format(const EvalOptions& options);

// Rows of a model whose folder is not given or does not exist are skipped with a reason; a folder
// that exists but cannot be read or loaded is an error naming it (with the kind of the cause).
// Throws InvalidArgument for bad options (an unknown row name among them) or when no model is left,
// Cancelled from the token.
EvalReport evaluate_models(const EvalOptions& options, const EvalCallbacks& callbacks = {},
                           const CancelToken* cancel = nullptr);

}  // namespace blade::eval
