// blade train: trains the pixel-space teacher (BLADE-mini) on the synthetic world, from scratch or
// (--init) from the weights and tokenizer of an exported model folder.

#include "arguments.h"
#include "commands.h"
#include "core/device.h"
#include "core/error.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "train/checkpoint.h"
#include "train/pixel_model_folder.h"
#include "train/teacher_trainer.h"
#include "train/world_clip_source.h"

#include <fmt/format.h>

namespace blade::cli {
namespace {

// A resumed run keeps the settings it was started with; an explicit different value is an error
// rather than a silently ignored option.
void check_same(const Arguments& args, const std::string& option, double given, double stored) {
  if (args.value(option) && given != stored) {
    fail(ErrorKind::InvalidArgument, "--{} {} differs from the {} the run was started with; a resumed run keeps it",
         option, given, stored);
  }
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
  const Arguments args(argv,
                       {"out", "iterations", "batch", "lr", "device", "checkpoint-minutes", "minutes", "log", "seed",
                        "export-storage", "init", "text-len", "object-loss-weight", "train-size",
                        "text-pretrain", "motion-loss-weight", "flow-shift"},
                       {"resume", "no-export"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  train::TeacherTrainOptions options;
  options.out_dir = args.required("out");
  options.device = args.value_or("device", "cpu");
  const bool gpu = options.device.rfind("cuda", 0) == 0;
  options.iterations = args.get_int("iterations", 20000);
  options.batch = args.get_int("batch", gpu ? 32 : 2);
  options.adam.lr = args.get_double("lr", options.adam.lr);
  options.model.text_len = args.get_int("text-len", options.model.text_len);
  options.model.flow_shift = args.get_double("flow-shift", options.model.flow_shift);
  options.object_loss_weight = args.get_double("object-loss-weight", options.object_loss_weight);
  options.motion_loss_weight = args.get_double("motion-loss-weight", options.motion_loss_weight);
  options.seed = args.get_u64("seed", 0);
  options.text_pretrain_iterations = args.get_int("text-pretrain", 0);
  options.checkpoint_minutes = args.get_double("checkpoint-minutes", 10.0);
  options.max_minutes = args.get_double("minutes", 0.0);
  options.log_path = args.value_or("log", "");
  options.export_at_end = !args.flag("no-export");
  options.export_storage = train::parse_weight_storage(args.value_or("export-storage", "f16"));
  const bool resume = args.flag("resume");
  const std::string init = args.value_or("init", "");
  if (resume && !init.empty()) {
    fail(ErrorKind::InvalidArgument, "--init {} starts a new run and cannot be combined with --resume, which continues "
         "the run in {} from its checkpoint: drop --init to resume, or give --init a new --out", init,
         options.out_dir.string());
  }
  options.init_from = init;
  // A run initialised from a folder goes on at the folder's noise levels unless told otherwise (a
  // missing folder is reported by the trainer).
  if (!init.empty() && !args.value("flow-shift")) {
    if (const auto shift = train::stored_flow_shift(init)) options.model.flow_shift = *shift;
  }
  if (resume) {
    const auto stored = train::read_checkpoint_info(options.out_dir, "teacher").at("run");
    check_same(args, "batch", static_cast<double>(options.batch), stored.at("batch").get<double>());
    check_same(args, "lr", options.adam.lr, stored.at("lr").get<double>());
    check_same(args, "text-len", static_cast<double>(options.model.text_len),
               stored.at("model").at("text_len").get<double>());
    check_same(args, "seed", static_cast<double>(options.seed), stored.at("seed").get<double>());
    check_same(args, "flow-shift", options.model.flow_shift, stored.at("model").at("flow_shift").get<double>());
    check_same(args, "motion-loss-weight", options.motion_loss_weight, stored.value("motion_loss_weight", 0.0));
    check_same(args, "text-pretrain", static_cast<double>(options.text_pretrain_iterations),
               stored.value("text_pretrain_iterations", 0.0));
    check_same(args, "object-loss-weight", options.object_loss_weight, stored.value("object_loss_weight", train::kUniformLossWeight));
    options.seed = stored.at("seed").get<uint64_t>();  // it also seeds the world below
  } else if (train::has_checkpoint(options.out_dir)) {
    fail(ErrorKind::InvalidArgument, "{} already holds a training run; pass --resume to continue it or choose "
         "another --out{}", options.out_dir.string(), init.empty() ? "" : " for the run initialised from --init");
  }

  const torch::Device device = parse_device(options.device);
  const auto& clip = options.model.clip;
  train::ClipShape shape{clip.frames, clip.height, clip.width};
  if (const auto size = args.value("train-size")) {
    const auto [width, height] = parse_size(*size, "train-size");
    shape.width = width;
    shape.height = height;
  }
  // The world renders on the training device; --seed also chooses its scenes.
  train::WorldClipSource source(shape, options.seed, device);
  train::TeacherTrainer trainer(options, source, resume);

  ProgressBar bar;
  const auto start_iteration = trainer.iteration();
  std::string stage;
  auto report = [&](const train::TrainProgress& p) {
    if (!stage.empty() && p.stage != stage) bar.finish();  // the text pretraining's last state stays on screen
    stage = p.stage;
    bar.update(p.stage, static_cast<int>(p.iteration), static_cast<int>(p.total),
               fmt::format("loss {:.4f} (avg {:.4f}) lr {:.2e} {:.2f} s/it{}", p.loss, p.loss_average,
                           p.learning_rate, p.seconds_per_iteration, p.checkpointed ? " [saved]" : ""));
  };
  try {
    trainer.run(report, &interrupt_token());
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  fmt::print("trained iterations {}..{} ({} clips seen); checkpoint in {}{}\n", start_iteration, trainer.iteration(),
             trainer.data_cursor(), options.out_dir.string(),
             options.export_at_end ? fmt::format(", model in {}", (options.out_dir / "model").string()) : "");
  return 0;
}

}  // namespace blade::cli
