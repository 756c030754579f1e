// blade judge: what the evaluation's judge recovers from one clip of the synthetic world (BLADE-mini's
// output, say) and how it scores it against the prompt.

#include "arguments.h"
#include "commands.h"
#include "core/error.h"
#include "eval/judge.h"
#include "eval/judge_report.h"
#include "eval/model_eval/clip_scores.h"
#include "media/video_file.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace blade::cli {
namespace {

namespace fs = std::filesystem;

void print_human(const fs::path& clip, const std::string& prompt, const nlohmann::json& report) {
  fmt::print("clip        {}\nprompt      {}\n", clip.string(), prompt);
  const auto& background = report["background"];
  fmt::print("background  {} {} (fit error {:.3f})\n", background["kind"].get<std::string>(),
             background["tone"].get<std::string>(), background["fit_error"].get<double>());
  fmt::print("objects     {} found\n", report["objects"].size());
  for (const auto& o : report["objects"]) {
    const auto& trend = o["trend"];
    fmt::print("  {:<7} {:<8} {:<6} {:<7} {:<5} shape IoU {:.2f}, in {:.0f}% of frames, moved x {:+.2f} y {:+.2f}, "
               "radius x{:.2f}\n",
               o["colour"].get<std::string>(), o["shape"].get<std::string>(), o["size"].get<std::string>(),
               o["motion"].is_null() ? std::string("-") : o["motion"].get<std::string>(), o["speed"].get<std::string>(),
               o["shape_iou"].get<double>(), 100.0 * o["presence"].get<double>(), trend["x"].get<double>(),
               trend["y"].get<double>(), std::exp(trend["log_radius"].get<double>()));
  }
  const auto& s = report["scores"];
  fmt::print("scores      colour {:.2f} shape {:.2f} size {:.2f} motion {:.2f} speed {:.2f} background {:.2f} "
             "count {:.2f} | quality {:.3f}\n",
             s["colour"].get<double>(), s["shape"].get<double>(), s["size"].get<double>(), s["motion"].get<double>(),
             s["speed"].get<double>(), s["background"].get<double>(), s["count"].get<double>(),
             s["overall"].get<double>());
  fmt::print("temporal consistency {:.3f}, sharpness {:.3f}", report["temporal_consistency"]["score"].get<double>(),
             report["sharpness"]["score"].get<double>());
  if (report["travel"].is_null()) {
    fmt::print("\n");
  } else {
    fmt::print(", travel {:.2f} (share of the asked displacement or growth made)\n", report["travel"].get<double>());
  }
  if (!report["objects"].empty()) {
    fmt::print("(moved: fitted over the clip, in frame units - the shorter side is 1; radius: fitted last over "
               "first)\n");
  }
}

}  // namespace

int run_judge(const std::vector<std::string>& argv) {
  const Arguments args(argv, {"prompt"}, {"json"});
  if (args.positional().size() != 1) {
    fail(ErrorKind::InvalidArgument, "blade judge takes one CLIP (.mp4 or .y4m), got {}", args.positional().size());
  }
  const fs::path clip_path = args.positional().front();
  if (!fs::exists(clip_path)) fail(ErrorKind::Io, "'{}' does not exist", clip_path.string());
  std::string prompt = args.value_or("prompt", "");
  if (args.value("prompt") && prompt.empty()) fail(ErrorKind::InvalidArgument, "--prompt is empty");
  if (prompt.empty()) {
    const auto settings = media::read_clip_metadata(clip_path);
    const auto found = settings.find("blade.prompt");
    if (found == settings.end() || found->second.empty()) {
      fail(ErrorKind::InvalidArgument, "'{}' records no prompt (blade.prompt); pass --prompt TEXT", clip_path.string());
    }
    prompt = found->second;
  }
  const auto report = eval::to_json(eval::judge_prompt(eval::video_of(media::read_clip(clip_path)), prompt));
  if (args.flag("json")) {
    nlohmann::json out = report;
    out["clip"] = clip_path.string();
    out["prompt"] = prompt;
    fmt::print("{}\n", out.dump(2));
  } else {
    print_human(clip_path, prompt, report);
  }
  return 0;
}

}  // namespace blade::cli
