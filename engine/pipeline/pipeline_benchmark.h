#pragma once
// blade bench pipeline: the whole text-to-video pipeline (text encoding, denoising, VAE decode)
// under several settings on one loaded model, in one run, so that the ratios compare like with
// like: the dense 50-step UniPC baseline with guidance, 8 dense steps without guidance, and the
// BLADE student setting (8 ASA-GT steps without guidance).

#include "core/cancel.h"
#include "core/op_profile.h"
#include "pipeline/pipeline.h"

#include <functional>
#include <string>
#include <vector>

namespace blade::pipeline {

struct PipelineBenchSetting {
  std::string name;        // "dense-50-cfg", "dense-8", "asa-gt-8"
  int steps = 50;
  double guidance = 5.0;   // <= 1: no unconditional pass
  AttentionSettings attention;
  std::string vae_dtype = "f32";
  bool fused_kernels = true;  // false: the models' composite norms (blade::set_fused_kernels) for this row
  bool strided_attention = true;  // false: packed copies for the attention kernel (blade::set_strided_attention_operands)
};

// The three settings above, the BLADE one again with the VAE decode in bf16 ("asa-gt-8-vae-bf16"),
// that one with packed attention operands ("asa-gt-8-vae-bf16-packed", what the strided ones save or
// cost) and with the composite norms instead of the fused kernels ("asa-gt-8-vae-bf16-composite",
// what the fused kernels save); `sparsity` is ASA-GT's fixed sparsity (the paper's Wan runs reach ~0.8).
std::vector<PipelineBenchSetting> blade_bench_settings(double sparsity, int student_steps = 8, int dense_steps = 50);

// The request one row runs: base with the setting's steps, guidance, attention and decode dtype, for
// this many frames. The probe is seeded from the request's seed unless the setting seeds it, so that
// rows differing only in implementation use the same masks.
GenerationRequest bench_request(GenerationRequest base, const PipelineBenchSetting& setting, int frames);

struct PipelineBenchOptions {
  std::vector<PipelineBenchSetting> settings;
  std::vector<int> frames{81};   // one row per (frames, setting); a scaling table when several
  int width = 832;
  int height = 480;
  std::string prompt =
      "A red fox trots through fresh snow in a birch forest at dawn, its breath steaming in the cold air, "
      "soft golden light between the trees, cinematic, shallow depth of field";
  uint64_t seed = 42;
};

struct PipelineBenchRow {
  std::string setting;
  int frames = 0;
  int64_t tokens = 0;            // self-attention sequence length
  int steps = 0;
  bool guided = false;
  GenerationTimings timings;
  double text_encoding_peak_gb = 0.0, denoising_peak_gb = 0.0, decoding_peak_gb = 0.0, peak_gb = 0.0;
  double speedup_total = 0.0;     // against the first setting at the same frame count
  double speedup_denoising = 0.0;
  // For a setting that differs from the row before only in implementation (VAE dtype, fused norms,
  // operand layout: the same sampling): PSNR of its frames against that row's, in dB (0 when not applicable).
  double psnr_vs_previous_db = 0.0;

  // A component's share of the row's total seconds (the rest: the noise, copies and bookkeeping).
  double share_of_total(double seconds) const { return seconds / timings.total_s; }
};

// One warm-up generation (1 step, the smallest frame count) first, then every row; `on_row` hears
// each row as it is done (for incremental output). Throws blade::Error (Cancelled, OutOfMemory...).
std::vector<PipelineBenchRow> bench_pipeline(Pipeline& pipeline, const PipelineBenchOptions& options,
                                             const std::function<void(const PipelineBenchRow&)>& on_row = {},
                                             const CancelToken* cancel = nullptr);

// One generation of `setting` at `frames` (after a one-step warm-up) under the profiler: GPU time
// per kernel on CUDA, per ATen operator on the CPU, and with `by_caller` per launching code too.
// Shows where a row's seconds go.
OpProfile profile_bench_setting(Pipeline& pipeline, const PipelineBenchOptions& options,
                                const PipelineBenchSetting& setting, int frames, const CancelToken* cancel = nullptr,
                                bool by_caller = false);

}  // namespace blade::pipeline
