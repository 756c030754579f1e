#pragma once
// Trains a pixel-space Wan DiT and its umT5 text encoder from scratch (or from an exported model
// folder, TeacherTrainOptions::init_from) with rectified flow matching
// (see flow_matching.h), AdamW, gradient clipping, an EMA of the weights, prompt dropout for
// classifier-free guidance and bf16 autocast on CUDA. Checkpoints (checkpoint.h) hold everything a
// bit-exact resume needs: weights, EMA, AdamW moments and step counts, generator states, the
// iteration and the data cursor. The run folder holds:
//   tokenizer/spiece.model   trained first, on the source's prompts (copied from init_from)
// With text_pretrain_iterations, the text encoder is then pretrained on the world's prompts
// (text_pretrainer.h) at the start of run(), before the first iteration.
//   checkpoint.json + checkpoint-<n>.safetensors
//   train_log.jsonl          (unless another log path is given)
//   model/                   the EMA model as an engine model folder (model_export.h), at the end

#include "attention/attention_backend.h"
#include "core/cancel.h"
#include "models/dit/wan_dit.h"
#include "train/adamw_state.h"
#include "train/clip_source.h"
#include "train/ema.h"
#include "train/loss_log.h"
#include "train/teacher_options.h"
#include "train/train_progress.h"
#include "train/trainable_text_encoder.h"
#include "train/training_rng.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace blade::train {

struct PixelModel;

class TeacherTrainer {
 public:
  // resume = false: a fresh run in options.out_dir (trains the tokenizer, initialises the weights;
  // with options.init_from, copies the folder's tokenizer and weights instead, after checking its
  // config against options.model, and refuses an out_dir that already holds a checkpoint).
  // resume = true: continues from out_dir's checkpoint; the run-shaping settings come from the
  // checkpoint, the others (iterations, device, checkpoint interval, log, export) from `options`.
  // resume with options.init_from set is refused (InvalidArgument): init starts a new run.
  TeacherTrainer(TeacherTrainOptions options, ClipSource& source, bool resume);

  // Pretrains the text encoder first when the run asks for it and has not done it (reported with
  // stage "text pretraining"; a cancel there leaves no checkpoint). Then trains until
  // options.iterations, reporting every iteration; writes a checkpoint every checkpoint_minutes and
  // at the end, then exports the EMA model when export_at_end. A cancel is acknowledged at the next
  // iteration: a checkpoint is written, then Cancelled is thrown.
  void run(const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

  // One optimiser step on the next batch; returns its loss (with the motion term when it has one).
  double train_step();

  // Flow-matching loss on `batch` with sigmas and noise drawn from `seed` alone (the run's
  // generators are untouched), no prompt dropout, no gradient; with `ema` the averaged weights.
  double evaluate_loss(const ClipBatch& batch, uint64_t seed, bool ema);

  void save_checkpoint();
  void export_model(const std::filesystem::path& dir);  // the EMA weights

  int64_t iteration() const { return iteration_; }
  uint64_t data_cursor() const { return data_cursor_; }
  const TeacherTrainOptions& options() const { return options_; }
  // Where the weights came from: null for random initialisation, else {"path", "name", "role",
  // "iterations"} of the init folder (exported as model_index.json's blade "init_from").
  const nlohmann::json& init_record() const { return init_record_; }
  // The text pretraining's result (text_pretrainer.h to_json); null until it ran or when not asked for.
  const nlohmann::json& text_pretrain_record() const { return text_pretrain_record_; }
  NamedTensors parameters() const;  // "dit.*" and "text.*", the live tensors
  const EmaWeights& ema() const { return ema_; }
  models::WanDiT& dit() { return dit_; }
  TrainableTextEncoder& text_encoder() { return *text_; }

 private:
  void build_models(const std::filesystem::path& tokenizer_model);
  // The first tokenizer_corpus training prompts must fit the context unclipped: throws
  // InvalidArgument naming the length they need.
  void check_prompts_fit(const models::PromptTokenizer& tokenizer);
  void load_initial_weights(const PixelModel& init);
  void restore(const std::filesystem::path& run_dir);
  void pretrain_text(const ProgressCallback& progress, const CancelToken* cancel);
  struct LossTerms {
    torch::Tensor total;  // what is optimised
    torch::Tensor flow;   // the flow-matching part (total without the motion term)
  };
  LossTerms forward_loss(const ClipBatch& batch, const std::vector<std::string>& prompts,
                             const torch::Tensor& sigmas, const torch::Tensor& noise);

  TeacherTrainOptions options_;
  ClipSource& source_;
  torch::Device device_{torch::kCPU};
  models::WanDiT dit_{nullptr};
  std::unique_ptr<TrainableTextEncoder> text_;
  std::unique_ptr<attention::AttentionBackend> attention_;
  NamedTensors parameters_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  EmaWeights ema_;
  std::unique_ptr<TrainingRng> rng_;
  LrSchedule schedule_;
  LossLog log_;
  int64_t iteration_ = 0;
  uint64_t data_cursor_ = 0;
  double last_grad_norm_ = 0.0;
  double last_flow_loss_ = 0.0;
  double last_lr_ = 0.0;
  nlohmann::json init_record_;  // null: random initialisation
  nlohmann::json text_pretrain_record_;
};

}  // namespace blade::train
