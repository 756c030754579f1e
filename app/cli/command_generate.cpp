// blade generate: prompt -> clip file.

#include "arguments.h"
#include "commands.h"
#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "default_models.h"
#include "eval/model_eval/model_recommendation.h"
#include "interrupt.h"
#include "media/video_file.h"
#include "progress_bar.h"
#include "pipeline/pipeline.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>

namespace blade::cli {
namespace {

namespace fs = std::filesystem;

void check_output_path(const fs::path& out) {
  if (!media::is_mp4_path(out) && !media::is_y4m_path(out)) {
    fail(ErrorKind::InvalidArgument, "--out must end in .mp4 or .y4m, got '{}'", out.string());
  }
  if (media::is_mp4_path(out) && !media::have_mp4()) {
    fail(ErrorKind::InvalidArgument, "this build of blade has no FFmpeg, so it cannot write '{}'; use a .y4m file",
         out.string());
  }
  const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(folder)) {
    fail(ErrorKind::InvalidArgument, "the folder of --out '{}' does not exist", folder.string());
  }
}

// Starts from `base` (what the model recommends, else dense with the paper's ASA settings).
pipeline::AttentionSettings parse_attention(const Arguments& args, const pipeline::AttentionSettings& base) {
  pipeline::AttentionSettings attention = base;
  attention.backend = args.value_or("attention", base.backend);
  auto& asa = attention.asa;
  if (args.value("sparsity")) asa.fixed_sparsity = args.get_double("sparsity", 0.0);
  asa.tau = args.get_double("tau", asa.tau);
  asa.block_size = args.get_int("block-size", asa.block_size);
  asa.probe_tokens = args.get_int("probe-tokens", asa.probe_tokens);
  asa.min_keep = args.get_double("min-keep", asa.min_keep);
  asa.max_keep = args.get_double("max-keep", asa.max_keep);
  asa.pool_tokens = args.get_int("pool-tokens", asa.pool_tokens);
  const bool sparse_options = args.value("sparsity") || args.value("tau") || args.value("block-size") ||
                              args.value("probe-tokens") || args.value("min-keep") || args.value("max-keep") ||
                              args.value("pool-tokens");
  if (attention.backend == "dense" && sparse_options) {
    fail(ErrorKind::InvalidArgument,
         "--sparsity, --tau and the other block-sparse options need --attention asa or asa-gt (got dense)");
  }
  return attention;
}

class CliObserver final : public pipeline::PipelineObserver {
 public:
  explicit CliObserver(bool quiet) : quiet_(quiet) {}
  void on_step(const pipeline::StepEvent& event) override {
    if (!quiet_) {
      bar_.update("denoising", event.index + 1, event.total,
                  fmt::format("sigma {:.3f}  {:.0f} ms/step", event.sigma, event.step_ms));
    }
  }
  void on_stage(pipeline::Stage stage) override {
    if (stage == pipeline::Stage::Decoding || stage == pipeline::Stage::Done) bar_.finish();
  }
  void on_decode_progress(int64_t done, int64_t total) override {
    if (!quiet_) bar_.update("decoding", static_cast<int>(done), static_cast<int>(total));
  }

 private:
  bool quiet_;
  ProgressBar bar_;
};

}  // namespace

int run_generate(const std::vector<std::string>& argv) {
  const Arguments args(argv,
                       {"model", "prompt", "negative", "steps", "guidance", "shift", "sampler", "eta", "schedule", "seed",
                        "frames", "size", "attention", "sparsity", "tau", "block-size", "probe-tokens", "min-keep",
                        "max-keep", "pool-tokens", "lora", "lora-scale", "device", "dtype", "vae-dtype", "out"},
                       {"json", "quiet", "offload-text-encoder"});
  auto log = blade::log::get("cli");
  if (args.flag("quiet")) blade::log::set_level(spdlog::level::err);
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }

  // Without --model: the bundled BLADE-mini. A model trained by BLADE Studio says how it is meant to
  // run (steps, guidance, sampler, attention, clip format); explicit options win over that.
  const fs::path model_path = args.value("model") ? fs::path(*args.value("model")) : bundled_model_folder("blade-mini");
  const auto recommended = eval::read_recommendation(model_path);

  pipeline::GenerationRequest request;
  request.prompt = args.required("prompt");
  request.negative_prompt = args.value_or("negative", "");
  request.steps = args.get_int("steps", recommended.steps.value_or(request.steps));
  request.guidance = args.get_double("guidance", recommended.guidance.value_or(request.guidance));
  request.sampler = args.value("sampler") ? sampling::parse_sampler_kind(*args.value("sampler"))
                                          : recommended.sampler.value_or(sampling::SamplerKind::UniPC);
  request.eta = args.get_double("eta", recommended.eta.value_or(request.eta));
  request.schedule = sampling::parse_schedule_kind(args.value_or("schedule", "diffusers"));
  request.seed = args.value("seed") ? args.get_u64("seed", 0) : std::random_device{}();
  const auto clip = recommended.clip;
  request.frames = args.get_int("frames", clip ? clip->frames : request.frames);
  std::tie(request.width, request.height) =
      args.value("size") ? parse_size(*args.value("size"))
                         : (clip ? std::pair<int, int>{static_cast<int>(clip->width), static_cast<int>(clip->height)}
                                : parse_size("832x480"));
  request.attention = parse_attention(args, recommended.attention.value_or(pipeline::AttentionSettings{}));
  request.lora.file = args.value_or("lora", "");
  request.lora.scale = args.get_double("lora-scale", request.lora.scale);
  if (args.value("lora-scale") && request.lora.file.empty()) {
    fail(ErrorKind::InvalidArgument, "--lora-scale needs --lora FILE");
  }
  if (!request.lora.file.empty() && !fs::is_regular_file(request.lora.file)) {
    fail(ErrorKind::InvalidArgument, "the LoRA file '{}' does not exist", request.lora.file);
  }
  request.device = args.value_or("device", "cpu");
  request.dtype = args.value_or("dtype", "f32");
  request.vae_dtype = args.value_or("vae-dtype", "f32");
  request.shift = args.get_double("shift", recommended.shift.value_or(5.0));
  // Options that the chosen sampler would ignore are refused rather than silently dropped.
  if (args.value("eta") && request.sampler != sampling::SamplerKind::Tdm) {
    fail(ErrorKind::InvalidArgument, "--eta applies to --sampler tdm only; the {} sampler does not re-noise",
         sampling::to_string(request.sampler));
  }
  if (args.value("schedule") && request.sampler == sampling::SamplerKind::Tdm) {
    fail(ErrorKind::InvalidArgument,
         "--schedule does not apply to --sampler tdm{}, which walks the timesteps the student was distilled at",
         args.value("sampler") ? "" : " (the model's recommended sampler)");
  }
  if (args.value("shift") && request.sampler == sampling::SamplerKind::Tdm) {
    fail(ErrorKind::InvalidArgument,
         "--shift does not apply to --sampler tdm{}, which walks the timesteps the student was distilled at; "
         "pick another --sampler to set a shift",
         args.value("sampler") ? "" : " (the model's recommended sampler)");
  }
  request.validate();
  const fs::path out = args.required("out");
  check_output_path(out);
  const torch::Device device = parse_device(request.device);

  auto model = pipeline::WanModel::load(model_path, device, parse_dtype(request.dtype));
  if (!args.value("shift") && !recommended.shift && model->info().default_shift) {
    request.shift = *model->info().default_shift;
  }
  log->info("seed {}, {} steps, guidance {}, shift {}, {} frames at {}x{}", request.seed, request.steps,
            request.guidance, request.shift, request.frames, request.width, request.height);

  model->set_text_encoder_offload(args.flag("offload-text-encoder"));
  pipeline::Pipeline pipeline(model);
  CliObserver observer(args.flag("quiet"));
  auto result = pipeline.run(request, &observer, &interrupt_token());
  media::write_clip(out, result.clip, &interrupt_token());
  log->info("wrote {} ({} frames, {}x{}, {:.2f} s)", out.string(), result.clip.frame_count(), result.clip.width(),
            result.clip.height(), result.timings.total_s);

  if (args.flag("json")) {
    double step_total = 0;
    for (double ms : result.timings.step_ms) step_total += ms;
    nlohmann::json summary = {
        {"output", out.string()},
        {"frames", result.clip.frame_count()},
        {"width", result.clip.width()},
        {"height", result.clip.height()},
        {"fps", result.clip.fps},
        {"seed", request.seed},
        {"steps", request.steps},
        {"model", model->info().id},
        {"weights_hash", model->info().weights_hash},
        {"device", request.device},
        {"dtype", request.dtype},
        {"attention", pipeline::to_json(request)["attention"]},
        {"seconds",
         {{"text_encoding", result.timings.text_encoding_s},
          {"denoising", result.timings.denoising_s},
          {"decoding", result.timings.decoding_s},
          {"total", result.timings.total_s},
          {"per_step", result.timings.step_ms.empty() ? 0.0 : step_total / 1000.0 / result.timings.step_ms.size()}}},
        {"step_ms", result.timings.step_ms},
    };
    fmt::print("{}\n", summary.dump(2));
  }
  return 0;
}

}  // namespace blade::cli
