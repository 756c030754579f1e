#include "pipeline/pipeline_benchmark.h"

#include "core/error.h"
#include "core/log.h"

namespace blade::pipeline {

std::vector<PipelineBenchSetting> blade_bench_settings(double sparsity, int student_steps, int dense_steps) {
  PipelineBenchSetting dense{fmt::format("dense-{}-cfg", dense_steps), dense_steps, 5.0, {}};
  PipelineBenchSetting few_step{fmt::format("dense-{}", student_steps), student_steps, 1.0, {}};
  PipelineBenchSetting blade{fmt::format("asa-gt-{}", student_steps), student_steps, 1.0, {}};
  blade.attention.backend = "asa-gt";
  blade.attention.asa.fixed_sparsity = sparsity;
  return {dense, few_step, blade};
}

std::vector<PipelineBenchRow> bench_pipeline(Pipeline& pipeline, const PipelineBenchOptions& options,
                                             const std::function<void(const PipelineBenchRow&)>& on_row,
                                             const CancelToken* cancel) {
  static auto log = blade::log::get("bench");
  if (options.settings.empty() || options.frames.empty()) {
    fail(ErrorKind::InvalidArgument, "the pipeline benchmark needs at least one setting and one frame count");
  }
  auto& model = pipeline.model();
  GenerationRequest base;
  base.prompt = options.prompt;
  base.seed = options.seed;
  base.width = options.width;
  base.height = options.height;
  base.shift = model.info().default_shift.value_or(5.0);
  base.device = model.device().str();
  base.dtype = model.compute_dtype() == torch::kBFloat16 ? "bf16" : "f32";

  // Warm-up: kernels loaded, cuDNN and cuBLAS plans chosen, the allocator's pools grown.
  GenerationRequest warm_up = base;
  warm_up.frames = *std::min_element(options.frames.begin(), options.frames.end());
  warm_up.steps = 1;
  warm_up.guidance = 1.0;
  for (const auto& setting : options.settings) {
    warm_up.attention = setting.attention;
    pipeline.run(warm_up, nullptr, cancel);
  }

  std::vector<PipelineBenchRow> rows;
  const auto& dit = model.dit()->config();
  const int64_t spatial = model.codec().spatial_factor() * dit.patch[1];
  for (int frames : options.frames) {
    for (const auto& setting : options.settings) {
      GenerationRequest request = base;
      request.frames = frames;
      request.steps = setting.steps;
      request.guidance = setting.guidance;
      request.attention = setting.attention;
      log->info("{} frames, {}", frames, setting.name);
      const auto result = pipeline.run(request, nullptr, cancel);
      PipelineBenchRow row;
      row.setting = setting.name;
      row.frames = frames;
      row.tokens = model.codec().latent_frames(frames) / dit.patch[0] * (options.height / spatial) * (options.width / spatial);
      row.steps = setting.steps;
      row.guided = setting.guidance > 1.0;
      row.timings = result.timings;
      row.text_encoding_peak_gb = result.text_encoding_peak_gb;
      row.denoising_peak_gb = result.denoising_peak_gb;
      row.decoding_peak_gb = result.decoding_peak_gb;
      row.peak_gb = result.peak_gpu_memory_gb;
      const auto baseline = std::find_if(rows.begin(), rows.end(), [frames](const auto& r) { return r.frames == frames; });
      const auto& reference = baseline != rows.end() ? *baseline : row;
      row.speedup_total = reference.timings.total_s / row.timings.total_s;
      row.speedup_denoising = reference.timings.denoising_s / row.timings.denoising_s;
      rows.push_back(row);
      if (on_row) on_row(row);
    }
  }
  return rows;
}

}  // namespace blade::pipeline
