#include "train/teacher_options.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

namespace blade::train {

void TeacherTrainOptions::validate() const {
  model.validate();
  if (batch < 1) fail(ErrorKind::InvalidArgument, "batch must be at least 1, got {}", batch);
  if (iterations < 0) fail(ErrorKind::InvalidArgument, "iterations must not be negative, got {}", iterations);
  if (!(adam.lr > 0.0)) fail(ErrorKind::InvalidArgument, "learning rate must be positive, got {}", adam.lr);
  if (!(grad_clip > 0.0)) fail(ErrorKind::InvalidArgument, "gradient clip must be positive, got {}", grad_clip);
  if (!(object_loss_weight >= 1.0 && object_loss_weight <= 1000.0)) {
    fail(ErrorKind::InvalidArgument, "object loss weight must be in [1, 1000] (1: plain mean), got {}",
         object_loss_weight);
  }
  if (!(motion_loss_weight >= 0.0 && motion_loss_weight <= 1000.0)) {
    fail(ErrorKind::InvalidArgument, "motion loss weight must be in [0, 1000] (0: none), got {}", motion_loss_weight);
  }
  if (text_pretrain_iterations < 0) {
    fail(ErrorKind::InvalidArgument, "text pretraining iterations must not be negative, got {}",
         text_pretrain_iterations);
  }
  if (!(prompt_dropout >= 0.0 && prompt_dropout <= 1.0)) {
    fail(ErrorKind::InvalidArgument, "prompt dropout must be in [0, 1], got {}", prompt_dropout);
  }
  if (!(max_minutes >= 0.0)) {
    fail(ErrorKind::InvalidArgument, "time limit must be zero (none) or positive minutes, got {}", max_minutes);
  }
  if (!(checkpoint_minutes > 0.0)) {
    fail(ErrorKind::InvalidArgument, "checkpoint interval must be positive minutes, got {}", checkpoint_minutes);
  }
  if (out_dir.empty()) fail(ErrorKind::InvalidArgument, "a training run needs an output folder");
}

nlohmann::json run_settings_to_json(const TeacherTrainOptions& o) {
  return {{"model", to_json(o.model)},
          {"batch", o.batch},
          {"lr", o.adam.lr},
          {"beta1", o.adam.beta1},
          {"beta2", o.adam.beta2},
          {"adam_eps", o.adam.eps},
          {"weight_decay", o.adam.weight_decay},
          {"warmup", o.warmup},
          {"decay", to_string(o.decay)},
          {"min_lr_ratio", o.min_lr_ratio},
          {"grad_clip", o.grad_clip},
          {"ema_decay", o.ema_decay},
          {"prompt_dropout", o.prompt_dropout},
          {"object_loss_weight", o.object_loss_weight},
          {"motion_loss_weight", o.motion_loss_weight},
          {"seed", o.seed},
          {"text_pretrain_iterations", o.text_pretrain_iterations},
          {"tokenizer_vocab", o.tokenizer_vocab},
          {"tokenizer_corpus", o.tokenizer_corpus},
          {"init_from", o.init_from.string()},
          {"sigma_density", "shifted uniform: sigma = s u / (1 + (s - 1) u), u ~ U[0, 1), s = model.flow_shift"}};
}

void apply_run_settings(const nlohmann::json& j, TeacherTrainOptions& o) {
  try {
    o.model = mini_model_config_from_json(j.at("model"));
    o.batch = j.at("batch").get<int64_t>();
    o.adam.lr = j.at("lr").get<double>();
    o.adam.beta1 = j.at("beta1").get<double>();
    o.adam.beta2 = j.at("beta2").get<double>();
    o.adam.eps = j.at("adam_eps").get<double>();
    o.adam.weight_decay = j.at("weight_decay").get<double>();
    o.warmup = j.at("warmup").get<int64_t>();
    o.decay = parse_lr_decay(j.at("decay").get<std::string>());
    o.min_lr_ratio = j.at("min_lr_ratio").get<double>();
    o.grad_clip = j.at("grad_clip").get<double>();
    o.ema_decay = j.at("ema_decay").get<double>();
    o.prompt_dropout = j.at("prompt_dropout").get<double>();
    o.object_loss_weight = j.value("object_loss_weight", kUniformLossWeight);  // absent in older checkpoints
    o.motion_loss_weight = j.value("motion_loss_weight", 0.0);
    o.seed = j.at("seed").get<uint64_t>();
    o.text_pretrain_iterations = j.value("text_pretrain_iterations", int64_t{0});  // absent in older checkpoints
    o.tokenizer_vocab = j.at("tokenizer_vocab").get<int64_t>();
    o.tokenizer_corpus = j.at("tokenizer_corpus").get<int64_t>();
    o.init_from = j.value("init_from", std::string());  // absent in checkpoints of older runs
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "checkpoint run settings are incomplete: {}", e.what());
  }
}

}  // namespace blade::train
