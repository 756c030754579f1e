#pragma once
// Settings of sparsity-aware TDM distillation (BLADE, data-free): a K-step student and a
// fake-score model, both initialised from the teacher (full fine-tune) and both running ASA-GT
// self-attention, trained on prompts alone against the frozen dense teacher.
//
// Choices beside the method description:
//  - student_lr 2e-5 and fake_lr 1e-4 (BLADE's 1e-4 / 5e-4 are for LoRA adapters; a full
//    fine-tune moves every weight, so both are 5x lower, keeping BLADE's 1:5 ratio);
//  - the fake-score timestep j is drawn from [max(t_mid, min_timestep), max_timestep] with
//    min_timestep 20 (as TDM's code): the 1/sigma_j^2 weight is unbounded at j = 0;
//  - pseudo-Huber c 0.0113 as BLADE's Wan setting, although pixels in [-1, 1] have a larger range
//    than Wan latents (a parameter).

#include "attention/asa_settings.h"
#include "train/adamw_state.h"
#include "train/model_export.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>

namespace blade::train {

struct DistillOptions {
  std::filesystem::path teacher_dir;  // a pixel model folder (export_model_folder)
  std::filesystem::path out_dir;

  // What shapes the run (kept from the checkpoint when resuming).
  int64_t student_steps = 8;  // K: 4 or 8 (any divisor of 1000 works)
  double eta = 0.9;           // rollout stochasticity: eta eps_hat + sqrt(1 - eta^2) z
  double guidance = 5.0;      // teacher CFG in x0 space
  double huber_c = 0.0113;
  double fake_regularisation = 0.0;  // lambda_reg: weight of the fake model's pull to the teacher
  int64_t min_timestep = 20;
  int64_t max_timestep = 979;
  int64_t batch = 4;
  AdamWSettings student_adam{.lr = 2e-5, .beta1 = 0.0, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 1e-4};
  AdamWSettings fake_adam{.lr = 1e-4, .beta1 = 0.0, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 1e-4};
  int64_t warmup = 5;  // then cosine to 0 over the run's iterations
  double grad_clip = 1.0;
  std::string attention = "asa-gt";  // student and fake-score self-attention; the teacher is dense
  attention::AsaSettings asa;        // probe seeds are derived per iteration from `seed`
  std::string negative_prompt;       // the unconditional branch of the teacher's CFG
  uint64_t seed = 0;

  // What may change between the parts of a resumed run.
  int64_t iterations = 300;
  std::string device = "cpu";
  bool bf16 = true;
  double checkpoint_minutes = 10.0;
  double max_minutes = 0.0;  // stop (checkpoint, export) after this much training time; 0: no limit
  int64_t checkpoint_every = 0;
  std::filesystem::path log_path;  // empty: <out_dir>/distill_log.jsonl
  bool export_at_end = true;       // the student to <out_dir>/model
  WeightStorage export_storage = WeightStorage::F16;

  void validate() const;
};

nlohmann::json run_settings_to_json(const DistillOptions& options);
void apply_run_settings(const nlohmann::json& json, DistillOptions& options);

}  // namespace blade::train
