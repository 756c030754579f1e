#pragma once
// Settings of a teacher (from-scratch flow-matching) training run.

#include "train/adamw_state.h"
#include "train/lr_schedule.h"
#include "train/mini_model_config.h"
#include "train/model_export.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>

namespace blade::train {

// Every pixel weighs the same in the loss: the default, and what runs from before the object weight
// had (their checkpoints do not store one).
inline constexpr double kUniformLossWeight = 1.0;

struct TeacherTrainOptions {
  std::filesystem::path out_dir;
  MiniModelConfig model = blade_mini_config();

  // What shapes the run (kept from the checkpoint when resuming).
  int64_t batch = 8;
  AdamWSettings adam{.lr = 3e-4, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.01};
  int64_t warmup = 500;
  LrDecay decay = LrDecay::Constant;
  double min_lr_ratio = 0.1;
  double grad_clip = 1.0;
  double ema_decay = 0.999;
  double prompt_dropout = 0.1;  // share of prompts replaced by "" (for classifier-free guidance)
  // > 1: pixels where an object is drawn weigh this much in the loss, the background 1 (needs a clip
  // source with object masks, the synthetic world). Objects cover a small share of a clip, so with
  // the plain mean they are learnt last.
  double object_loss_weight = kUniformLossWeight;
  bool weighs_objects() const { return object_loss_weight > kUniformLossWeight; }
  // > 0: adds this times the temporal difference loss (flow_matching.h), which leaves out errors
  // that are the same in every frame and so weighs what changes between frames: motion.
  double motion_loss_weight = 0.0;
  uint64_t seed = 0;
  // > 0: before the first iteration, pretrain the text encoder this many iterations on the world's
  // prompts with the attribute objective (text_pretrainer.h). Only for runs from random weights.
  int64_t text_pretrain_iterations = 0;
  int64_t tokenizer_vocab = 512;
  int64_t tokenizer_corpus = 20000;  // prompts 0 .. n-1 of the source train the tokenizer
  // A model folder written by export_model_folder (e.g. resources/models/blade-mini-teacher) to
  // start from instead of random weights: its transformer and text encoder weights and its
  // tokenizer (the text embedding rows belong to it; no tokenizer is trained, tokenizer_vocab
  // becomes the folder's) are copied in. `model` must match the folder's config except for the
  // vocabulary size. The optimizer, the iteration counter (0), the LR warmup, the EMA ramp and
  // the data cursor start fresh. Empty: random initialisation. Only for a new run: a resumed run
  // continues from its checkpoint and keeps the path only as a record.
  std::filesystem::path init_from;

  // What may change between the parts of a resumed run.
  int64_t iterations = 20000;  // the run's total
  std::string device = "cpu";
  bool bf16 = true;            // CUDA: bf16 autocast (the CPU always computes in fp32)
  double checkpoint_minutes = 10.0;
  double max_minutes = 0.0;  // stop (checkpoint, export) after this much training time; 0: no limit
  int64_t checkpoint_every = 0;  // also every n iterations (0: time only)
  std::filesystem::path log_path;  // empty: <out_dir>/train_log.jsonl
  bool export_at_end = true;       // EMA weights to <out_dir>/model
  WeightStorage export_storage = WeightStorage::F16;

  void validate() const;  // throws InvalidArgument naming the bad value
};

// The run-shaping half only (what a checkpoint stores).
nlohmann::json run_settings_to_json(const TeacherTrainOptions& options);
// Sets the run-shaping fields of `options` from a checkpoint's JSON.
void apply_run_settings(const nlohmann::json& json, TeacherTrainOptions& options);

}  // namespace blade::train
