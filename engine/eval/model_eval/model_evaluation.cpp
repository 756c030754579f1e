#include "eval/model_eval/model_evaluation.h"

#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "eval/fidelity_metrics.h"
#include "eval/model_eval/clip_scores.h"
#include "eval/model_eval/held_out_prompts.h"
#include "eval/model_eval/row_tally.h"
#include "eval/model_eval/sparsity_meter.h"
#include "pipeline/pipeline.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace blade::eval {
namespace {

namespace fs = std::filesystem;

constexpr world::ClipFormat kBladeMiniClip{17, 64, 64};
constexpr double kFallbackShift = 5.0;  // as `blade generate` for a model without a scheduler config
constexpr ModelSlot kSlots[] = {ModelSlot::Teacher, ModelSlot::Student8, ModelSlot::Student4};

const std::optional<fs::path>& folder_of(const EvalModels& models, ModelSlot slot) {
  switch (slot) {
    case ModelSlot::Teacher: return models.teacher;
    case ModelSlot::Student8: return models.student8;
    case ModelSlot::Student4: return models.student4;
  }
  fail(ErrorKind::Internal, "unknown model slot {}", static_cast<int>(slot));
}

bool present(const std::optional<fs::path>& folder) {
  std::error_code error;
  return folder && fs::exists(*folder, error);
}

struct SlotPlan {
  ModelSlot slot = ModelSlot::Teacher;
  fs::path folder;
  std::string skip_reason;  // set when the slot is skipped
  std::vector<EvalRowSpec> rows;
};

struct RunState {
  const EvalOptions& options;
  world::ClipFormat clip;
  const std::vector<EvalPrompt>& prompts;
  const std::vector<uint64_t>& seeds;
  const EvalCallbacks& callbacks;
  const CancelToken* cancel = nullptr;
  std::vector<torch::Tensor> reference;  // teacher-50-dense video per (prompt, seed)
  int clips_done = 0;
  int clips_total = 0;
};

pipeline::GenerationRequest request_for(const EvalRowSpec& spec, const RunState& state, const std::string& prompt,
                                        uint64_t seed, double shift) {
  pipeline::GenerationRequest request;
  request.prompt = prompt;
  request.seed = seed;
  request.steps = state.options.steps_scale
                      ? std::max(1, static_cast<int>(std::lround(spec.steps * *state.options.steps_scale)))
                      : spec.steps;
  request.guidance = spec.guidance;
  request.shift = shift;
  request.sampler = spec.sampler;
  request.eta = spec.eta;
  request.frames = static_cast<int>(state.clip.frames);
  request.height = static_cast<int>(state.clip.height);
  request.width = static_cast<int>(state.clip.width);
  request.attention = spec.attention;
  if (request.attention.backend != "dense") request.attention.asa.seed = seed;  // reproducible probes
  request.device = state.options.device;
  request.dtype = "f32";
  return request;
}

std::shared_ptr<pipeline::WanModel> load_model(ModelSlot slot, const fs::path& folder, torch::Device device) {
  try {
    return pipeline::WanModel::load(folder, device, torch::kFloat32);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Cancelled || e.kind() == ErrorKind::OutOfMemory) throw;
    throw Error(e.kind(), fmt::format("the {} model folder '{}' could not be loaded: {}", to_string(slot), folder.string(),
                                      e.what()));
  } catch (const std::exception& e) {
    fail(ErrorKind::BadWeights, "the {} model folder '{}' could not be loaded: {}", to_string(slot), folder.string(),
         e.what());
  }
}

EvalRow run_row(pipeline::Pipeline& pipe, const EvalRowSpec& spec, const fs::path& folder, RunState& state) {
  static auto log = blade::log::get("eval");
  auto& model = pipe.model();
  const double shift = spec.shift.value_or(model.info().default_shift.value_or(kFallbackShift));
  const bool is_reference = spec.name == kReferenceRow;
  SparsityMeter meter([&](const pipeline::StepEvent& event) {
    if (state.callbacks.on_progress) {
      state.callbacks.on_progress({spec.name, state.clips_done, state.clips_total, event.index + 1, event.total});
    }
  });

  RowTally tally;
  EvalRow row;
  for (size_t p = 0; p < state.prompts.size(); ++p) {
    for (size_t s = 0; s < state.seeds.size(); ++s) {
      throw_if_cancelled(state.cancel, fmt::format("before clip {} of {}", state.clips_done + 1, state.clips_total));
      const auto& prompt = state.prompts[p].text;
      const auto request = request_for(spec, state, prompt, state.seeds[s], shift);
      const auto result = pipe.run(request, &meter, state.cancel);
      const torch::Tensor video = video_of(result.clip);
      const auto scores = score_clip(video, prompt);
      tally.add(scores, result.timings.total_s);
      if (state.callbacks.on_clip) state.callbacks.on_clip({spec.name, prompt, state.seeds[s], &scores.judgement});
      auto& reference = state.reference[p * state.seeds.size() + s];
      if (is_reference) reference = video;
      if (reference.defined()) tally.add_fidelity(psnr(video, reference), ssim(video, reference));
      ++state.clips_done;
      if (p == 0 && s == 0) {
        row.steps = request.steps;
        row.attention = request.attention;
      }
    }
  }
  row.name = spec.name;
  row.slot = spec.slot;
  row.model = folder;
  row.guidance = spec.guidance;
  row.shift = shift;
  row.sampler = spec.sampler;
  row.eta = spec.eta;
  row.attention.asa.seed.reset();
  row.sparsity = meter.mean_skipped();
  tally.finish(row);
  log->info("{}: quality {:.3f}, temporal {:.3f}, sharpness {:.3f}, PSNR {}, sparsity {:.3f}, {:.2f} s per clip",
            row.name, row.accuracy.overall, row.temporal, row.sharpness,
            row.psnr_db ? fmt::format("{:.2f} dB", *row.psnr_db) : std::string("-"), row.sparsity,
            row.seconds_per_clip);
  return row;
}

bool selected(const EvalOptions& options, const std::string& row) {
  return options.rows.empty() || std::find(options.rows.begin(), options.rows.end(), row) != options.rows.end();
}

void check_row_names(const std::vector<std::string>& rows) {
  std::vector<std::string> known;
  for (ModelSlot slot : kSlots) {
    for (auto& name : row_names(slot)) known.push_back(std::move(name));
  }
  for (const auto& row : rows) {
    if (std::find(known.begin(), known.end(), row) == known.end()) {
      fail(ErrorKind::InvalidArgument, "unknown row '{}' (the rows are {})", row, fmt::join(known, ", "));
    }
  }
}

std::vector<SlotPlan> plan_slots(const EvalOptions& options, const RunState& state) {
  std::vector<SlotPlan> plans;
  for (ModelSlot slot : kSlots) {
    SlotPlan plan;
    plan.slot = slot;
    const auto names = row_names(slot);
    if (std::none_of(names.begin(), names.end(), [&](const std::string& name) { return selected(options, name); })) {
      continue;  // none of its rows asked for: not even a skip to report
    }
    const auto& folder = folder_of(options.models, slot);
    if (!present(folder)) {
      plan.skip_reason = folder ? fmt::format("no {} model folder at '{}'", to_string(slot), folder->string())
                                : fmt::format("no {} model folder given", to_string(slot));
      plans.push_back(std::move(plan));
      continue;
    }
    plan.folder = *folder;
    for (auto& spec : rows_for(slot, plan.folder, read_recommendation(plan.folder))) {
      if (selected(options, spec.name)) plan.rows.push_back(std::move(spec));
    }
    // Bad settings are found before any model is loaded.
    for (const auto& spec : plan.rows) request_for(spec, state, "check", 0, spec.shift.value_or(kFallbackShift)).validate();
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace

world::ClipFormat eval_clip_format(const EvalOptions& options) {
  if (options.clip) return *options.clip;
  for (ModelSlot slot : kSlots) {
    const auto& folder = folder_of(options.models, slot);
    if (!present(folder)) continue;
    if (auto clip = read_recommendation(*folder).clip) return *clip;
  }
  return kBladeMiniClip;
}

EvalReport evaluate_models(const EvalOptions& options, const EvalCallbacks& callbacks, const CancelToken* cancel) {
  static auto log = blade::log::get("eval");
  if (options.steps_scale && !(*options.steps_scale > 0.0)) {
    fail(ErrorKind::InvalidArgument, "the step scale must be > 0, got {}", *options.steps_scale);
  }
  check_row_names(options.rows);
  const torch::Device device = parse_device(options.device);
  EvalReport report;
  report.clip = eval_clip_format(options);
  world::check_format(report.clip);
  const auto prompts = held_out_prompts(options.prompts, static_cast<double>(report.clip.width) / report.clip.height);
  report.seeds = eval_seeds(options.seeds);
  for (const auto& prompt : prompts) report.prompts.push_back(prompt.text);

  RunState state{options, report.clip, prompts, report.seeds, callbacks, cancel, {}, 0, 0};
  const auto plans = plan_slots(options, state);
  std::vector<std::string> reasons;
  for (const auto& plan : plans) {
    state.clips_total += static_cast<int>(plan.rows.size() * prompts.size() * report.seeds.size());
    if (!plan.skip_reason.empty()) reasons.push_back(plan.skip_reason);
  }
  if (state.clips_total == 0) {
    fail(ErrorKind::InvalidArgument, "nothing to evaluate: {}", fmt::join(reasons, "; "));
  }
  state.reference.resize(prompts.size() * report.seeds.size());
  log->info("evaluating {} clips: {} held-out prompt(s) x {} seed(s) per row, {} frames at {}x{} on {}",
            state.clips_total, prompts.size(), report.seeds.size(), report.clip.frames, report.clip.width,
            report.clip.height, device_name(device));

  for (const auto& plan : plans) {
    if (!plan.skip_reason.empty()) {
      for (const auto& name : row_names(plan.slot)) {
        if (!selected(options, name)) continue;
        EvalSkip skip{name, plan.slot, plan.skip_reason};
        log->warn("{} skipped: {}", name, skip.reason);
        if (callbacks.on_skip) callbacks.on_skip(skip);
        report.skipped.push_back(std::move(skip));
      }
      continue;
    }
    pipeline::Pipeline pipe(load_model(plan.slot, plan.folder, device));
    for (const auto& spec : plan.rows) {
      report.rows.push_back(run_row(pipe, spec, plan.folder, state));
      if (callbacks.on_row) callbacks.on_row(report.rows.back());
    }
  }
  return report;
}

}  // namespace blade::eval
