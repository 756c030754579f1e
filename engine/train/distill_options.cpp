#include "train/distill_options.h"

#include "attention/asa_attention.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

namespace blade::train {

void DistillOptions::validate() const {
  if (student_steps < 1 || 1000 % student_steps != 0) {
    fail(ErrorKind::InvalidArgument, "student steps must divide 1000 (4 or 8), got {}", student_steps);
  }
  if (!(eta >= 0.0 && eta <= 1.0)) fail(ErrorKind::InvalidArgument, "eta must be in [0, 1], got {}", eta);
  if (!(huber_c > 0.0)) fail(ErrorKind::InvalidArgument, "pseudo-Huber c must be positive, got {}", huber_c);
  if (min_timestep < 1 || max_timestep > 999 || min_timestep > max_timestep) {
    fail(ErrorKind::InvalidArgument, "fake-score timesteps need 1 <= min {} <= max {} <= 999", min_timestep,
         max_timestep);
  }
  if (max_timestep < 1000 - 1000 / student_steps) {
    fail(ErrorKind::InvalidArgument, "max timestep {} is below the last trajectory interval (>= {} needed)",
         max_timestep, 1000 - 1000 / student_steps);
  }
  if (batch < 1) fail(ErrorKind::InvalidArgument, "batch must be at least 1, got {}", batch);
  if (iterations < 0) fail(ErrorKind::InvalidArgument, "iterations must not be negative, got {}", iterations);
  if (!(grad_clip > 0.0)) fail(ErrorKind::InvalidArgument, "gradient clip must be positive, got {}", grad_clip);
  if (attention != "asa-gt" && attention != "asa" && attention != "dense") {
    fail(ErrorKind::InvalidArgument, "distillation attention must be asa-gt, asa or dense, got '{}'", attention);
  }
  attention::validate_asa_settings(asa);
  if (!(max_minutes >= 0.0)) {
    fail(ErrorKind::InvalidArgument, "time limit must be zero (none) or positive minutes, got {}", max_minutes);
  }
  if (!(checkpoint_minutes > 0.0)) {
    fail(ErrorKind::InvalidArgument, "checkpoint interval must be positive minutes, got {}", checkpoint_minutes);
  }
  if (teacher_dir.empty() || out_dir.empty()) {
    fail(ErrorKind::InvalidArgument, "distillation needs a teacher folder and an output folder");
  }
}

namespace {

nlohmann::json adam_json(const AdamWSettings& a) {
  return {{"lr", a.lr}, {"beta1", a.beta1}, {"beta2", a.beta2}, {"eps", a.eps}, {"weight_decay", a.weight_decay}};
}

AdamWSettings adam_from(const nlohmann::json& j) {
  return {.lr = j.at("lr").get<double>(),
          .beta1 = j.at("beta1").get<double>(),
          .beta2 = j.at("beta2").get<double>(),
          .eps = j.at("eps").get<double>(),
          .weight_decay = j.at("weight_decay").get<double>()};
}

}  // namespace

nlohmann::json run_settings_to_json(const DistillOptions& o) {
  nlohmann::json asa{{"block_size", o.asa.block_size}, {"probe_tokens", o.asa.probe_tokens}, {"tau", o.asa.tau},
                     {"min_keep", o.asa.min_keep},     {"max_keep", o.asa.max_keep},         {"pool_tokens", o.asa.pool_tokens},
                     {"rule", o.asa.rule == attention::ThresholdRule::Code ? "code" : "paper"}};
  asa["fixed_sparsity"] = o.asa.fixed_sparsity ? nlohmann::json(*o.asa.fixed_sparsity) : nlohmann::json(nullptr);
  return {{"teacher_dir", o.teacher_dir.string()},
          {"student_steps", o.student_steps},
          {"eta", o.eta},
          {"guidance", o.guidance},
          {"huber_c", o.huber_c},
          {"fake_regularisation", o.fake_regularisation},
          {"min_timestep", o.min_timestep},
          {"max_timestep", o.max_timestep},
          {"batch", o.batch},
          {"student_adam", adam_json(o.student_adam)},
          {"fake_adam", adam_json(o.fake_adam)},
          {"warmup", o.warmup},
          {"grad_clip", o.grad_clip},
          {"attention", o.attention},
          {"asa", asa},
          {"negative_prompt", o.negative_prompt},
          {"seed", o.seed}};
}

void apply_run_settings(const nlohmann::json& j, DistillOptions& o) {
  try {
    o.teacher_dir = j.at("teacher_dir").get<std::string>();
    o.student_steps = j.at("student_steps").get<int64_t>();
    o.eta = j.at("eta").get<double>();
    o.guidance = j.at("guidance").get<double>();
    o.huber_c = j.at("huber_c").get<double>();
    o.fake_regularisation = j.at("fake_regularisation").get<double>();
    o.min_timestep = j.at("min_timestep").get<int64_t>();
    o.max_timestep = j.at("max_timestep").get<int64_t>();
    o.batch = j.at("batch").get<int64_t>();
    o.student_adam = adam_from(j.at("student_adam"));
    o.fake_adam = adam_from(j.at("fake_adam"));
    o.warmup = j.at("warmup").get<int64_t>();
    o.grad_clip = j.at("grad_clip").get<double>();
    o.attention = j.at("attention").get<std::string>();
    const auto& a = j.at("asa");
    o.asa.block_size = a.at("block_size").get<int>();
    o.asa.probe_tokens = a.at("probe_tokens").get<int>();
    o.asa.tau = a.at("tau").get<double>();
    o.asa.min_keep = a.at("min_keep").get<double>();
    o.asa.max_keep = a.at("max_keep").get<double>();
    o.asa.pool_tokens = a.at("pool_tokens").get<int>();
    o.asa.rule = a.at("rule").get<std::string>() == "code" ? attention::ThresholdRule::Code : attention::ThresholdRule::Paper;
    o.asa.fixed_sparsity = a.at("fixed_sparsity").is_null() ? std::nullopt
                                                             : std::optional<double>(a.at("fixed_sparsity").get<double>());
    o.negative_prompt = j.at("negative_prompt").get<std::string>();
    o.seed = j.at("seed").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "checkpoint distillation settings are incomplete: {}", e.what());
  }
}

}  // namespace blade::train
