#include "pipeline/pipeline_benchmark.h"

#include "core/error.h"
#include "core/fused_kernels.h"
#include "core/log.h"

#include <algorithm>
#include <cmath>

namespace blade::pipeline {
namespace {

double psnr_db(const torch::Tensor& a, const torch::Tensor& b) {
  const double mse = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).pow(2).mean().item<double>();
  return mse == 0.0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

// Rows that should give the same clip up to rounding: the same sampling, another implementation.
bool differs_only_in_implementation(const PipelineBenchSetting& a, const PipelineBenchSetting& b) {
  return a.steps == b.steps && a.guidance == b.guidance && a.attention.backend == b.attention.backend &&
         a.attention.asa.fixed_sparsity == b.attention.asa.fixed_sparsity &&
         (a.vae_dtype != b.vae_dtype || a.fused_kernels != b.fused_kernels ||
          a.strided_attention != b.strided_attention);
}

// Runs one request with the setting's choice of kernels and operand layouts.
GenerationResult run_with(Pipeline& pipeline, const GenerationRequest& request, const PipelineBenchSetting& setting,
                          const CancelToken* cancel) {
  const FusedKernelsScope fused(setting.fused_kernels);
  const StridedAttentionScope strided(setting.strided_attention);
  return pipeline.run(request, nullptr, cancel);
}

GenerationRequest base_request(const WanModel& model, const PipelineBenchOptions& options) {
  GenerationRequest base;
  base.prompt = options.prompt;
  base.seed = options.seed;
  base.width = options.width;
  base.height = options.height;
  base.shift = model.info().default_shift.value_or(5.0);
  base.device = model.device().str();
  base.dtype = model.compute_dtype() == torch::kBFloat16 ? "bf16" : "f32";
  return base;
}

// Kernels loaded, cuDNN and cuBLAS plans chosen, the allocator's pools grown: one guidance-free step.
void warm_up(Pipeline& pipeline, const GenerationRequest& base, const PipelineBenchSetting& setting, int frames,
             const CancelToken* cancel) {
  auto request = bench_request(base, setting, frames);
  request.steps = 1;
  request.guidance = 1.0;
  run_with(pipeline, request, setting, cancel);
}

}  // namespace

GenerationRequest bench_request(GenerationRequest request, const PipelineBenchSetting& setting, int frames) {
  request.frames = frames;
  request.steps = setting.steps;
  request.guidance = setting.guidance;
  request.attention = setting.attention;
  // Every row's probe draws the same sampled tokens, so rows that differ only in implementation
  // (operand layout, fused kernels) give the same masks and can be compared frame for frame.
  if (!request.attention.asa.seed) request.attention.asa.seed = request.seed;
  request.vae_dtype = setting.vae_dtype;
  return request;
}

std::vector<PipelineBenchSetting> blade_bench_settings(double sparsity, int student_steps, int dense_steps) {
  PipelineBenchSetting dense{fmt::format("dense-{}-cfg", dense_steps), dense_steps, 5.0, {}};
  PipelineBenchSetting few_step{fmt::format("dense-{}", student_steps), student_steps, 1.0, {}};
  PipelineBenchSetting blade{fmt::format("asa-gt-{}", student_steps), student_steps, 1.0, {}};
  blade.attention.backend = "asa-gt";
  blade.attention.asa.fixed_sparsity = sparsity;
  PipelineBenchSetting blade_bf16_vae = blade;
  blade_bf16_vae.name += "-vae-bf16";
  blade_bf16_vae.vae_dtype = "bf16";
  PipelineBenchSetting composite = blade_bf16_vae;
  composite.name += "-composite";
  composite.fused_kernels = false;
  PipelineBenchSetting packed = blade_bf16_vae;
  packed.name += "-packed";
  packed.strided_attention = false;
  // packed next to the row it changes: the operand layout changes no value, and with the probe
  // seeded from the request's seed (bench_request) both rows use the same masks, so the two
  // clips should be identical (PSNR 99). Composite then differs from packed in the norms only.
  return {dense, few_step, blade, blade_bf16_vae, packed, composite};
}

std::vector<PipelineBenchRow> bench_pipeline(Pipeline& pipeline, const PipelineBenchOptions& options,
                                             const std::function<void(const PipelineBenchRow&)>& on_row,
                                             const CancelToken* cancel) {
  static auto log = blade::log::get("bench");
  if (options.settings.empty() || options.frames.empty()) {
    fail(ErrorKind::InvalidArgument, "the pipeline benchmark needs at least one setting and one frame count");
  }
  auto& model = pipeline.model();
  const auto base = base_request(model, options);
  const int smallest = *std::min_element(options.frames.begin(), options.frames.end());
  for (const auto& setting : options.settings) warm_up(pipeline, base, setting, smallest, cancel);

  std::vector<PipelineBenchRow> rows;
  const auto& dit = model.dit()->config();
  const int64_t spatial = model.codec().spatial_factor() * dit.patch[1];
  for (int frames : options.frames) {
    torch::Tensor previous_frames;
    const PipelineBenchSetting* previous = nullptr;
    for (const auto& setting : options.settings) {
      const auto request = bench_request(base, setting, frames);
      log->info("{} frames, {}", frames, setting.name);
      const auto result = run_with(pipeline, request, setting, cancel);
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
      if (previous && differs_only_in_implementation(*previous, setting)) row.psnr_vs_previous_db = psnr_db(result.clip.frames, previous_frames);
      previous = &setting;
      previous_frames = result.clip.frames;
      rows.push_back(row);
      if (on_row) on_row(row);
    }
  }
  return rows;
}

OpProfile profile_bench_setting(Pipeline& pipeline, const PipelineBenchOptions& options,
                                const PipelineBenchSetting& setting, int frames, const CancelToken* cancel,
                                bool by_caller) {
  const auto base = base_request(pipeline.model(), options);
  warm_up(pipeline, base, setting, frames, cancel);
  const auto request = bench_request(base, setting, frames);
  return profile_ops([&] { run_with(pipeline, request, setting, cancel); }, pipeline.model().device().type(),
                     by_caller);
}

}  // namespace blade::pipeline
