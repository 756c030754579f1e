// blade bench pipeline: dense 50 steps with guidance vs few-step dense vs the BLADE student
// setting, whole pipeline, one run.

#include "arguments.h"
#include "commands.h"
#include "core/device.h"
#include "core/error.h"
#include "core/gpu_memory.h"
#include "core/log.h"
#include "interrupt.h"
#include "pipeline/pipeline_benchmark.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace blade::cli {
namespace {

nlohmann::json row_json(const pipeline::PipelineBenchRow& row) {
  return {{"setting", row.setting},
          {"frames", row.frames},
          {"tokens", row.tokens},
          {"steps", row.steps},
          {"guided", row.guided},
          {"text_encoding_s", row.timings.text_encoding_s},
          {"denoising_s", row.timings.denoising_s},
          {"decoding_s", row.timings.decoding_s},
          {"total_s", row.timings.total_s},
          {"text_encoding_peak_gb", row.text_encoding_peak_gb},
          {"denoising_peak_gb", row.denoising_peak_gb},
          {"decoding_peak_gb", row.decoding_peak_gb},
          {"peak_gb", row.peak_gb},
          {"speedup_total", row.speedup_total},
          {"speedup_denoising", row.speedup_denoising},
          {"text_encoding_share", row.share_of_total(row.timings.text_encoding_s)},
          {"denoising_share", row.share_of_total(row.timings.denoising_s)},
          {"decoding_share", row.share_of_total(row.timings.decoding_s)},
          {"psnr_vs_previous_db", row.psnr_vs_previous_db}};
}

void print_row(const pipeline::PipelineBenchRow& row) {
  const auto& t = row.timings;
  const auto shares = fmt::format("{:.0f}/{:.0f}/{:.0f}", 100.0 * row.share_of_total(t.text_encoding_s),
                                  100.0 * row.share_of_total(t.denoising_s), 100.0 * row.share_of_total(t.decoding_s));
  fmt::print("{:<28} {:>6} {:>7} {:>8.2f} {:>9.2f} {:>8.2f} {:>8.2f} {:>10} {:>8.2f}x {:>8.2f}x {:>7.1f} {:>7.1f} {:>7.1f} {}\n",
             row.setting, row.frames, row.tokens, t.text_encoding_s, t.denoising_s, t.decoding_s, t.total_s, shares,
             row.speedup_total, row.speedup_denoising, row.text_encoding_peak_gb, row.denoising_peak_gb,
             row.decoding_peak_gb,
             row.psnr_vs_previous_db > 0.0 ? fmt::format("{:.1f} dB vs the row above", row.psnr_vs_previous_db) : "");
  std::fflush(stdout);
}

const pipeline::PipelineBenchSetting& find_setting(const std::vector<pipeline::PipelineBenchSetting>& settings,
                                                  const std::string& name) {
  for (const auto& setting : settings) {
    if (setting.name == name) return setting;
  }
  std::string known;
  for (const auto& setting : settings) known += (known.empty() ? "" : ", ") + setting.name;
  fail(ErrorKind::InvalidArgument, "--profile-kernels: unknown setting '{}' (expected one of {})", name, known);
}

void print_profile(const OpProfile& profile, int top) {
  if (profile.ops.empty() || profile.total_ms <= 0.0) {
    fail(ErrorKind::Unsupported, "--profile-kernels: the profiler recorded no GPU activity (is CUPTI, LibTorch's "
         "libcupti, missing on this machine?)");
  }
  fmt::print("{:>10} {:>6} {:>7}  {}\n", "ms", "share", "calls", "kernel");
  for (size_t i = 0; i < profile.ops.size() && static_cast<int>(i) < top; ++i) {
    const auto& op = profile.ops[i];
    fmt::print("{:>10.2f} {:>5.1f}% {:>7}  {}\n", op.total_ms, 100.0 * op.total_ms / profile.total_ms, op.calls,
               short_op_name(op.name, 110));
    if (!op.caller.empty()) fmt::print("{:>26}  <- {}\n", "", op.caller);
  }
  fmt::print("{:>10.2f} total over {} kernels\n", profile.total_ms, profile.ops.size());
}

}  // namespace

int run_bench_pipeline(const std::vector<std::string>& argv) {
  const Arguments args(argv,
                       {"model", "random-weights", "tokenizer", "size", "frames", "sparsity", "student-steps",
                        "dense-steps", "device", "dtype", "seed", "results", "profile-kernels", "profile-top"},
                       {"json", "offload-text-encoder", "profile-callers"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  if (args.value("model").has_value() == args.value("random-weights").has_value()) {
    fail(ErrorKind::InvalidArgument, "blade bench pipeline needs exactly one of --model DIR and --random-weights NAME");
  }
  auto log = blade::log::get("cli");
  const torch::Device device = parse_device(args.value_or("device", "cuda"));
  const torch::Dtype dtype = parse_dtype(args.value_or("dtype", device.is_cuda() ? "bf16" : "f32"));

  pipeline::PipelineBenchOptions options;
  std::tie(options.width, options.height) = parse_size(args.value_or("size", "832x480"));
  options.frames = parse_int_list("frames", args.value_or("frames", "81"));
  options.seed = args.get_u64("seed", options.seed);
  options.settings = pipeline::blade_bench_settings(args.get_double("sparsity", 0.8), args.get_int("student-steps", 8),
                                                    args.get_int("dense-steps", 50));
  // Checked before loading gigabytes of weights.
  const pipeline::PipelineBenchSetting* profiled = nullptr;
  const int profile_top = args.get_int("profile-top", 30);
  if (const auto name = args.value("profile-kernels")) {
    profiled = &find_setting(options.settings, *name);
    if (profile_top < 1) fail(ErrorKind::InvalidArgument, "--profile-top must be at least 1, got {}", profile_top);
    if (args.flag("json") || args.value("results")) {
      fail(ErrorKind::InvalidArgument, "--profile-kernels prints a kernel table instead of the benchmark rows; it "
           "takes neither --json nor --results");
    }
  } else if (args.value("profile-top") || args.flag("profile-callers")) {
    fail(ErrorKind::InvalidArgument, "--profile-top and --profile-callers go with --profile-kernels SETTING");
  }
  for (int frames : options.frames) {
    pipeline::GenerationRequest check;
    check.frames = frames;
    check.width = options.width;
    check.height = options.height;
    check.validate();
  }

  std::shared_ptr<pipeline::WanModel> model;
  if (args.value("random-weights")) {
    const auto preset = pipeline::model_preset(*args.value("random-weights"));
    model = pipeline::WanModel::with_random_weights(preset, device, dtype,
                                                    args.value_or("tokenizer", BLADE_DEFAULT_TOKENIZER),
                                                    args.get_u64("seed", 0));
  } else {
    model = pipeline::WanModel::load(*args.value("model"), device, dtype);
  }
  model->set_text_encoder_offload(args.flag("offload-text-encoder"));
  pipeline::Pipeline pipe(model);

  std::ofstream results;
  if (args.value("results")) {
    results.open(*args.value("results"), std::ios::app);
    if (!results) fail(ErrorKind::Io, "cannot open --results file '{}' for appending", *args.value("results"));
  }
  if (profiled) {
    fmt::print("kernel time of one '{}' generation, {} frames, on {}\n", profiled->name, options.frames.front(),
               device_name(device));
    print_profile(pipeline::profile_bench_setting(pipe, options, *profiled, options.frames.front(), &interrupt_token(),
                                                  args.flag("profile-callers")),
                  profile_top);
    return 0;
  }
  const bool json = args.flag("json");
  if (!json) {
    fmt::print("pipeline on {} ({}), {}x{}, model {}{}\n", device_name(device), dtype_name(dtype), options.width,
               options.height, model->info().id, model->text_encoder_offload() ? ", text encoder offloaded" : "");
    fmt::print("{:<28} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8} {:>10} {:>9} {:>9} {:>7} {:>7} {:>7}\n", "setting", "frames",
               "tokens", "text s", "denoise s", "decode s", "total s", "% t/d/v", "vs dense", "denoise", "text GB",
               "dit GB", "vae GB");
  }
  const auto rows = pipeline::bench_pipeline(pipe, options, [&](const pipeline::PipelineBenchRow& row) {
    if (!json) print_row(row);
    if (results) results << row_json(row).dump() << '\n' << std::flush;
  }, &interrupt_token());
  if (json) {
    nlohmann::json out = {{"device", device_name(device)}, {"dtype", dtype_name(dtype)}, {"model", model->info().id},
                          {"width", options.width}, {"height", options.height},
                          {"text_encoder_offload", model->text_encoder_offload()}, {"rows", nlohmann::json::array()}};
    for (const auto& row : rows) out["rows"].push_back(row_json(row));
    fmt::print("{}\n", out.dump(1));
  }
  return 0;
}

}  // namespace blade::cli
