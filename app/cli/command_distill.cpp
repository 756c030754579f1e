// blade distill: sparsity-aware TDM distillation of a trained pixel-space teacher into a few-step
// student with ASA-GT attention, on prompts of the synthetic world (no clips).

#include "arguments.h"
#include "commands.h"
#include "core/device.h"
#include "core/error.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "train/checkpoint.h"
#include "train/tdm_distiller.h"
#include "train/world_clip_source.h"

#include <fmt/format.h>

namespace blade::cli {

int run_distill(const std::vector<std::string>& argv) {
  const Arguments args(argv,
                       {"teacher", "out", "steps", "iterations", "batch", "lr", "fake-lr", "guidance", "eta",
                        "device", "checkpoint-minutes", "minutes", "log", "seed", "attention", "export-storage"},
                       {"resume", "no-export"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  train::DistillOptions options;
  options.out_dir = args.required("out");
  const bool resume = args.flag("resume");
  if (resume) {
    if (args.value("teacher") || args.value("steps") || args.value("batch") || args.value("lr") ||
        args.value("fake-lr") || args.value("guidance") || args.value("eta") || args.value("seed") ||
        args.value("attention")) {
      fail(ErrorKind::InvalidArgument, "a resumed distillation keeps the settings it was started with; pass only "
           "--iterations, --minutes, --device, --checkpoint-minutes, --log, --no-export or --export-storage with --resume");
    }
    train::apply_run_settings(train::read_checkpoint_info(options.out_dir, "distill").at("run"), options);
  } else {
    if (train::has_checkpoint(options.out_dir)) {
      fail(ErrorKind::InvalidArgument, "{} already holds a distillation run; pass --resume to continue it",
           options.out_dir.string());
    }
    options.teacher_dir = args.required("teacher");
    options.student_steps = args.get_int("steps", 8);
    options.batch = args.get_int("batch", 4);
    options.student_adam.lr = args.get_double("lr", options.student_adam.lr);
    options.fake_adam.lr = args.get_double("fake-lr", options.fake_adam.lr);
    options.guidance = args.get_double("guidance", options.guidance);
    options.eta = args.get_double("eta", options.eta);
    options.seed = args.get_u64("seed", 0);
    options.attention = args.value_or("attention", "asa-gt");
  }
  options.iterations = args.get_int("iterations", 300);
  options.device = args.value_or("device", "cpu");
  options.checkpoint_minutes = args.get_double("checkpoint-minutes", 10.0);
  options.max_minutes = args.get_double("minutes", 0.0);
  options.log_path = args.value_or("log", "");
  options.export_at_end = !args.flag("no-export");
  options.export_storage = train::parse_weight_storage(args.value_or("export-storage", "f16"));

  // Only the prompts of the world are used; a seed apart from the teacher's training data.
  train::WorldClipSource prompts({17, 64, 64}, options.seed ^ 0xD157111ull);
  train::TdmDistiller distiller(options, prompts, resume);
  ProgressBar bar;
  const auto start_iteration = distiller.iteration();
  auto report = [&](const train::TrainProgress& p) {
    const auto& s = distiller.last_stats();
    bar.update("distilling", static_cast<int>(p.iteration), static_cast<int>(p.total),
               fmt::format("student {:.4f} fake {:.4f} sparsity {:.2f} {:.2f} s/it{}", s.student_loss, s.fake_loss,
                           s.sparsity, p.seconds_per_iteration, p.checkpointed ? " [saved]" : ""));
  };
  try {
    distiller.run(report, &interrupt_token());
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  fmt::print("distilled iterations {}..{} into a {}-step student; checkpoint in {}{}\n", start_iteration,
             distiller.iteration(), distiller.options().student_steps, options.out_dir.string(),
             options.export_at_end ? fmt::format(", model in {}", (options.out_dir / "model").string()) : "");
  return 0;
}

}  // namespace blade::cli
