// blade noise-levels: held-out world clips denoised in one step from each noise level and judged,
// with and without their prompt (engine/eval/model_eval/noise_level_probe.h).

#include "arguments.h"
#include "commands.h"
#include "core/error.h"
#include "default_models.h"
#include "eval/model_eval/noise_level_probe.h"
#include "interrupt.h"
#include "progress_bar.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace blade::cli {
namespace {

nlohmann::json row_json(const eval::NoiseLevelRow& row) {
  const auto& a = row.accuracy;
  nlohmann::json out = {{"sigma", row.sigma},       {"context", row.conditioned ? "prompt" : "empty"},
                        {"clips", row.clips},       {"quality", a.overall},
                        {"colour", a.colour},       {"shape", a.shape},
                        {"size", a.size},           {"motion", a.motion},
                        {"speed", a.speed},         {"background", a.background},
                        {"count", a.count},         {"travel", nullptr}};
  if (row.travel) out["travel"] = *row.travel;
  return out;
}

}  // namespace

int run_noise_levels(const std::vector<std::string>& argv) {
  const Arguments args(argv, {"model", "sigmas", "prompts", "seed", "device", "batch"}, {"json", "quiet"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  const std::filesystem::path folder = args.value_or("model", bundled_model_folder("blade-mini-teacher").string());
  eval::NoiseLevelOptions options;
  if (const auto sigmas = args.value("sigmas")) options.sigmas = parse_double_list("sigmas", *sigmas);
  options.prompts = args.get_int("prompts", options.prompts);
  options.seed = args.get_u64("seed", options.seed);
  options.device = args.value_or("device", options.device);
  options.batch = args.get_int("batch", options.batch);
  if (options.prompts < 1) fail(ErrorKind::InvalidArgument, "--prompts must be at least 1, got {}", options.prompts);
  if (options.batch < 1) fail(ErrorKind::InvalidArgument, "--batch must be at least 1, got {}", options.batch);

  const bool quiet = args.flag("quiet");
  ProgressBar bar;
  const auto rows = eval::probe_noise_levels(
      folder, options,
      {.on_progress =
           [&](const eval::NoiseLevelProgress& p) {
             if (!quiet) bar.update("denoise and judge", p.done, p.total);
           }},
      &interrupt_token());
  bar.finish();

  if (args.flag("json")) {
    for (const auto& row : rows) fmt::print("{}\n", row_json(row).dump());
    return 0;
  }
  fmt::print("{}: {} held-out clips of the world noised to sigma (noise seed {}), denoised in one step\n"
             "(x0 = x - sigma v) with the prompt and with the empty prompt, judged against the prompt\n",
             folder.string(), options.prompts, options.seed);
  fmt::print("{:>6} {:<7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n", "sigma", "context", "quality",
             "colour", "shape", "size", "motion", "speed", "backgr", "count", "travel");
  for (const auto& row : rows) {
    const auto& a = row.accuracy;
    fmt::print("{:>6.3f} {:<7} {:>7.3f} {:>6.2f} {:>6.2f} {:>6.2f} {:>6.2f} {:>6.2f} {:>6.2f} {:>6.2f} {:>6}\n", row.sigma,
               row.conditioned ? "prompt" : "empty", a.overall, a.colour, a.shape, a.size, a.motion, a.speed,
               a.background, a.count, row.travel ? fmt::format("{:.2f}", *row.travel) : std::string("-"));
  }
  return 0;
}

}  // namespace blade::cli
