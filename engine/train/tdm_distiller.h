#pragma once
// Sparsity-aware TDM distillation (BLADE section 2), data-free: a K-step student and a fake-score
// model, both full copies of the teacher with ASA-GT self-attention, trained on prompts only.
// One iteration:
//  1. student rollout (no grad, no CFG) from noise at t = 999, 999 - D, ..., D - 1 (D = 1000 / K),
//     x0_hat, eps_hat from the velocity, next state = (1 - s') x0_hat + s' (eta eps_hat + sqrt(1 - eta^2) z);
//  2. fake-score update: per item i ~ U{1..K}, t_g = D i - 1, t_mid = t_g - (D - 1), the student's
//     x0_hat at x_{t_g} (no grad), a stochastic step to t_mid, forward diffusion to
//     j ~ U{max(t_mid, min_timestep)..max_timestep}; loss = mean over items of
//     |x0_fake(x_j, j) - x0_hat|^2 / sigma_j^2 (+ lambda_reg times the same to the teacher);
//  3. student update: the same sampling afresh, the student's x0_hat at t_g carries the gradient;
//     target = stopgrad(x0_hat + x0_teacher_cfg - x0_fake) with x0_teacher_cfg = x0_u + w (x0_c - x0_u);
//     loss = mean(sqrt((x0_hat - target)^2 + c^2) - c).
// Sigma = t / 1000 throughout. AdamW (betas 0, 0.95), warm-up then cosine, gradient clipping, bf16
// autocast on CUDA. Checkpoints hold both models, both optimizers, the generators, the iteration
// and the prompt cursor; ASA probe seeds are derived from (seed, iteration), so a resumed run on the
// CPU repeats the uninterrupted one bit for bit.

#include "attention/attention_backend.h"
#include "core/cancel.h"
#include "models/dit/wan_dit.h"
#include "models/text/text_encoder.h"
#include "train/clip_source.h"
#include "train/distill_options.h"
#include "train/loss_log.h"
#include "train/lr_schedule.h"
#include "train/mini_model_config.h"
#include "train/train_progress.h"
#include "train/training_rng.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace blade::train {

struct DistillStepStats {
  double student_loss = 0.0;
  double fake_loss = 0.0;
  double student_grad_norm = 0.0;
  double fake_grad_norm = 0.0;
  double student_lr = 0.0;
  double fake_lr = 0.0;
  double sparsity = 0.0;  // of the student's self-attention in its update: 1 - kept blocks - global tokens
};

class TdmDistiller {
 public:
  // `prompts`: only ClipSource::prompt is used (data-free). resume: the run-shaping settings come
  // from out_dir's checkpoint, the rest from `options`.
  TdmDistiller(DistillOptions options, ClipSource& prompts, bool resume);

  void run(const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);
  DistillStepStats train_step();

  // The student's K-step rollout (as in training, eta-stochastic, no CFG) from `seed`: x0 [B, 3, F, H, W].
  torch::Tensor generate(const std::vector<std::string>& prompts, uint64_t seed);

  void save_checkpoint();
  void export_model(const std::filesystem::path& dir);

  int64_t iteration() const { return iteration_; }
  uint64_t prompt_cursor() const { return prompt_cursor_; }
  const DistillOptions& options() const { return options_; }
  const MiniModelConfig& config() const { return config_; }
  const NamedTensors& student_parameters() const { return student_parameters_; }
  const NamedTensors& fake_parameters() const { return fake_parameters_; }
  std::vector<int64_t> rollout_timesteps() const;  // 999, 999 - D, ..., D - 1
  const DistillStepStats& last_stats() const { return last_; }

 private:
  struct Prediction {
    torch::Tensor x0;
    torch::Tensor noise;
  };
  struct Times {
    torch::Tensor index;  // i per item, 1..K
    torch::Tensor generator_t, mid_t, fake_t;  // int64 [B]
  };

  Prediction predict(models::WanDiT& dit, attention::AttentionBackend& backend, const torch::Tensor& x,
                     const torch::Tensor& timesteps, const torch::Tensor& context);
  std::vector<torch::Tensor> rollout(const torch::Tensor& context, attention::AttentionBackend& backend, TrainingRng& rng);
  Times draw_times();
  torch::Tensor gather_states(const std::vector<torch::Tensor>& states, const torch::Tensor& index) const;
  torch::Tensor noised_to_fake_time(const Prediction& student, const Times& times);
  std::unique_ptr<attention::AttentionBackend> attention_for(uint64_t role) const;
  void restore(const std::filesystem::path& run_dir);

  DistillOptions options_;
  ClipSource& prompts_;
  MiniModelConfig config_;
  torch::Device device_{torch::kCPU};
  std::filesystem::path tokenizer_model_;
  std::string teacher_name_;
  std::unique_ptr<models::TextEncoder> text_;
  models::UMT5Encoder text_encoder_{nullptr};  // the module inside text_, for export
  models::WanDiT teacher_{nullptr};
  models::WanDiT student_{nullptr};
  models::WanDiT fake_{nullptr};
  std::unique_ptr<attention::AttentionBackend> dense_;
  NamedTensors student_parameters_;
  NamedTensors fake_parameters_;
  std::unique_ptr<torch::optim::AdamW> student_optimizer_;
  std::unique_ptr<torch::optim::AdamW> fake_optimizer_;
  LrSchedule student_schedule_;
  LrSchedule fake_schedule_;
  std::unique_ptr<TrainingRng> rng_;
  torch::Tensor negative_context_;  // [1, text_len, d]
  LossLog log_;
  int64_t iteration_ = 0;
  uint64_t prompt_cursor_ = 0;
  DistillStepStats last_;
};

}  // namespace blade::train
