// blade eval: the teacher and the few-step students on held-out prompts, judged deterministically.

#include "arguments.h"
#include "commands.h"
#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "default_models.h"
#include "eval/judge_report.h"
#include "eval/model_eval/eval_report_json.h"
#include "eval/model_eval/model_evaluation.h"
#include "interrupt.h"
#include "progress_bar.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace blade::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kQuickPrompts = 2, kQuickSeeds = 1;
constexpr int kFullPrompts = 24, kFullSeeds = 2;

int count_option(const Arguments& args, const std::string& name, int fallback) {
  const int value = args.get_int(name, fallback);
  if (value < 1) fail(ErrorKind::InvalidArgument, "--{} must be at least 1, got {}", name, value);
  return value;
}

// A folder named on the command line must exist; a bundled one that is missing only skips its rows.
fs::path model_folder(const Arguments& args, const std::string& option, const std::string& bundled_name) {
  if (const auto given = args.value(option)) {
    std::error_code error;
    if (!fs::exists(*given, error)) {
      fail(ErrorKind::InvalidArgument, "the --{} folder '{}' does not exist", option, *given);
    }
    return *given;
  }
  return bundled_model_folder(bundled_name);
}

std::string cell(const std::optional<double>& value, int width, int precision) {
  if (!value) return fmt::format("{:>{}}", "-", width);
  if (std::isinf(*value)) return fmt::format("{:>{}}", *value > 0 ? "inf" : "-inf", width);
  return fmt::format("{:>{}.{}f}", *value, width, precision);
}

void print_header() {
  fmt::print("{:<17} {:>5} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>8} {:>6} {:>7} {:>6} {:>8} {:>8}\n",
             "row", "steps", "quality", "colour", "shape", "size", "motion", "speed", "backgr", "count", "travel",
             "temporal", "sharp", "PSNR", "SSIM", "sparsity", "s/clip");
  std::fflush(stdout);
}

void print_row(const eval::EvalRow& row) {
  const auto& a = row.accuracy;
  fmt::print("{:<17} {:>5} {:>7.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {} {:>8.3f} {:>6.3f} "
             "{} {} {:>8.3f} {:>8.2f}\n",
             row.name, row.steps, a.overall, a.colour, a.shape, a.size, a.motion, a.speed, a.background, a.count,
             cell(row.travel, 6, 2), row.temporal, row.sharpness, cell(row.psnr_db, 7, 2), cell(row.ssim, 6, 3),
             row.sparsity, row.seconds_per_clip);
  std::fflush(stdout);
}

void print_motions_found(const eval::EvalRow& row) {
  std::string motions;
  for (const auto& [motion, count] : row.motions_found) motions += fmt::format(" {} {},", motion, count);
  if (!motions.empty()) motions.pop_back();
  fmt::print("  {:<17} {:>4}{}{}\n", row.name, row.objects_found, motions.empty() ? "" : ":", motions);
}

}  // namespace

int run_eval(const std::vector<std::string>& argv) {
  const Arguments args(argv, {"teacher", "student8", "student4", "device", "prompts", "seeds", "clips", "rows"},
                       {"quick", "json", "quiet"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  if (args.flag("quiet")) blade::log::set_level(spdlog::level::err);
  // One line per generated clip would drown the table; the eval logger reports each row.
  blade::log::get("pipeline")->set_level(spdlog::level::warn);

  const bool quick = args.flag("quick");
  eval::EvalOptions options;
  options.prompts = count_option(args, "prompts", quick ? kQuickPrompts : kFullPrompts);
  options.seeds = count_option(args, "seeds", quick ? kQuickSeeds : kFullSeeds);
  options.device = args.value_or("device", "cpu");
  if (const auto rows = args.value("rows")) {
    options.rows = parse_name_list("rows", *rows, "row names", "student-8-asa-gt,student-8-dense");
  }
  const torch::Device device = parse_device(options.device);
  options.models.teacher = model_folder(args, "teacher", "blade-mini-teacher");
  options.models.student8 = model_folder(args, "student8", "blade-mini");
  options.models.student4 = model_folder(args, "student4", "blade-mini-4step");

  const bool json = args.flag("json");
  // The header comes with the first row, so that an error before any work stands alone.
  bool header_printed = json;
  const auto header = [&] {
    if (header_printed) return;
    header_printed = true;
    const auto clip = eval::eval_clip_format(options);
    fmt::print("blade eval on {}: {} held-out prompt{} x {} seed{}, {} frames at {}x{}\n", device_name(device),
               options.prompts, options.prompts == 1 ? "" : "s", options.seeds, options.seeds == 1 ? "" : "s",
               clip.frames, clip.width, clip.height);
    fmt::print("  teacher  {}\n  student8 {}\n  student4 {}\n", options.models.teacher->string(),
               options.models.student8->string(), options.models.student4->string());
    print_header();
  };

  // Per clip, what the judge recovered: for looking into a row's numbers (a confusion matrix of the
  // motions, say). Opened before any work, so a bad path fails at once.
  std::ofstream clips;
  if (const auto path = args.value("clips")) {
    clips.open(*path, std::ios::trunc);
    if (!clips) fail(ErrorKind::Io, "cannot open --clips file '{}' for writing", *path);
  }
  ProgressBar bar;
  eval::EvalCallbacks callbacks;
  if (clips.is_open()) {
    callbacks.on_clip = [&](const eval::EvalClip& clip) {
      const nlohmann::json line = {{"row", clip.row}, {"prompt", clip.prompt}, {"seed", clip.seed},
                                   {"judgement", eval::to_json(*clip.judgement)}};
      clips << line.dump() << '\n' << std::flush;
      if (!clips) fail(ErrorKind::Io, "writing the --clips file failed (disk full?)");
    };
  }
  callbacks.on_progress = [&](const eval::EvalProgress& p) {
    if (!args.flag("quiet")) bar.update(p.row, p.clips_done, p.clips_total, fmt::format("step {}/{}", p.step, p.steps));
  };
  callbacks.on_row = [&](const eval::EvalRow& row) {
    bar.finish();
    header();
    if (json) {
      fmt::print("{}\n", eval::to_json(row).dump());
      std::fflush(stdout);
    } else {
      print_row(row);
    }
  };
  callbacks.on_skip = [&](const eval::EvalSkip& skip) {
    bar.finish();
    header();
    if (json) {
      fmt::print("{}\n", eval::to_json(skip).dump());
    } else {
      fmt::print("{:<17} skipped: {}\n", skip.row, skip.reason);
    }
    std::fflush(stdout);
  };
  const auto report = eval::evaluate_models(options, callbacks, &interrupt_token());
  bar.finish();
  if (!json) {
    fmt::print("objects the judge found, by the motion it read:\n");
    for (const auto& row : report.rows) print_motions_found(row);
    fmt::print("quality: mean judge score; travel: median over the clips of the share of the asked displacement "
               "or growth made (1 as asked, 0 still); PSNR/SSIM: against teacher-50-dense from the same prompt and "
               "seed; sparsity: mean fraction of key blocks skipped; s/clip: seconds per clip on {}\n",
               device_name(device));
  }
  return 0;
}

}  // namespace blade::cli
