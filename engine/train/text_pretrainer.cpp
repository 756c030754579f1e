#include "train/text_pretrainer.h"

#include "core/error.h"
#include "core/log.h"
#include "train/adamw_state.h"
#include "train/text_attribute_heads.h"
#include "train/text_attribute_targets.h"
#include "world/scene_sampler.h"
#include "world/world_batch.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>

namespace blade::train {
namespace {

// The pretraining's prompts are a stream of their own, apart from the clips the DiT trains on.
constexpr uint64_t kTrainStreamSalt = 0x7E47A77Bull;
constexpr uint64_t kHeldOutStreamSalt = 0x4E1D0ull;
constexpr int64_t kEvaluationBatch = 128;

std::shared_ptr<spdlog::logger> logger() {
  static auto log = blade::log::get("train");
  return log;
}

struct PromptBatch {
  std::vector<std::string> prompts;
  torch::Tensor targets;
};

PromptBatch prompt_batch(uint64_t stream_seed, int64_t first, int64_t count, world::Split split,
                         double two_object_probability) {
  world::SamplerSettings settings;
  settings.two_object_probability = two_object_probability;
  PromptBatch batch;
  std::vector<world::SceneAttributes> scenes;
  for (int64_t i = first; i < first + count; ++i) {
    auto drawn = world::example(stream_seed, i, split, settings);
    scenes.push_back(std::move(drawn.scene.attributes));
    batch.prompts.push_back(std::move(drawn.prompt));
  }
  batch.targets = text_attribute_targets(scenes);
  return batch;
}

torch::Tensor attribute_logits(TrainableTextEncoder& text, TextAttributeHeads& heads,
                               const std::vector<std::string>& prompts) {
  const auto tokens = tokenize_prompts(text.tokenizer(), prompts, text.text_len());
  const auto hidden = umt5_forward_with_grad(*text.encoder(), tokens.ids, tokens.mask);
  return heads->forward(hidden, tokens.mask);
}

// The encoder's parameters need gradients while it pretrains; afterwards (or on a cancel) each
// gets back the setting it came with.
class RequireGradients {
 public:
  explicit RequireGradients(const NamedTensors& parameters) : parameters_(parameters) {
    for (const auto& entry : parameters_) {
      required_.push_back(entry.second.requires_grad());
      entry.second.set_requires_grad(true);
    }
  }
  ~RequireGradients() {
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].second.set_requires_grad(required_[i]);
  }
  RequireGradients(const RequireGradients&) = delete;
  RequireGradients& operator=(const RequireGradients&) = delete;

 private:
  NamedTensors parameters_;
  std::vector<bool> required_;
};

std::vector<double> held_out_accuracy(TrainableTextEncoder& text, TextAttributeHeads& heads,
                                      const TextPretrainOptions& options) {
  torch::NoGradGuard no_grad;
  const uint64_t stream = options.seed ^ kHeldOutStreamSalt;
  std::vector<torch::Tensor> logits;
  std::vector<torch::Tensor> targets;
  for (int64_t first = 0; first < options.held_out_prompts; first += kEvaluationBatch) {
    const int64_t count = std::min(kEvaluationBatch, options.held_out_prompts - first);
    auto batch = prompt_batch(stream, first, count, world::Split::HeldOut, options.two_object_probability);
    logits.push_back(attribute_logits(text, heads, batch.prompts).cpu());
    targets.push_back(batch.targets);
  }
  return text_attribute_accuracy(torch::cat(logits), torch::cat(targets));
}

}  // namespace

void TextPretrainOptions::validate() const {
  if (iterations < 0) fail(ErrorKind::InvalidArgument, "text pretraining iterations must not be negative, got {}",
                           iterations);
  if (batch < 1) fail(ErrorKind::InvalidArgument, "text pretraining batch must be at least 1, got {}", batch);
  if (!(lr > 0.0)) fail(ErrorKind::InvalidArgument, "text pretraining learning rate must be positive, got {}", lr);
  if (warmup < 0) fail(ErrorKind::InvalidArgument, "text pretraining warmup must not be negative, got {}", warmup);
  if (held_out_prompts < 1) {
    fail(ErrorKind::InvalidArgument, "text pretraining needs at least one held-out prompt, got {}", held_out_prompts);
  }
}

nlohmann::json to_json(const TextPretrainResult& result) {
  nlohmann::json accuracy = nlohmann::json::object();
  for (size_t a = 0; a < result.held_out_accuracy.size() && a < text_attributes().size(); ++a) {
    if (result.held_out_accuracy[a] >= 0.0) accuracy[text_attributes()[a].name] = result.held_out_accuracy[a];
  }
  return {{"iterations", result.iterations},
          {"final_loss", result.final_loss},
          {"seconds", result.seconds},
          {"held_out_accuracy", accuracy}};
}

TextPretrainResult pretrain_text_encoder(TrainableTextEncoder& text, const TextPretrainOptions& options,
                                         const TextPretrainProgress& progress, const CancelToken* cancel) {
  options.validate();
  const auto start = std::chrono::steady_clock::now();
  auto& encoder = *text.encoder();
  const auto device = encoder.named_parameters().begin()->value().device();
  TextAttributeHeads heads(encoder.config().d_model);
  {
    torch::NoGradGuard no_grad;  // zero read-outs: deterministic, and every class starts equally likely
    for (auto& p : heads->parameters()) p.zero_();
  }
  heads->to(device);

  const NamedTensors encoder_parameters = named_parameters_of(encoder, "text.");
  RequireGradients gradients(encoder_parameters);
  NamedTensors parameters = encoder_parameters;
  for (auto& entry : named_parameters_of(*heads, "heads.")) parameters.push_back(std::move(entry));
  auto optimizer = make_adamw(parameters, {.lr = options.lr, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8,
                                           .weight_decay = 0.01});

  TextPretrainResult result;
  const uint64_t stream = options.seed ^ kTrainStreamSalt;
  for (int64_t iteration = 0; iteration < options.iterations; ++iteration) {
    throw_if_cancelled(cancel, fmt::format("at text pretraining iteration {} (before the run's first checkpoint: "
                                           "start the run again, without --resume)", iteration));
    const auto step_start = std::chrono::steady_clock::now();
    const auto batch = prompt_batch(stream, iteration * options.batch, options.batch, world::Split::Train,
                                    options.two_object_probability);
    const double warm = options.warmup == 0 ? 1.0 : std::min(1.0, static_cast<double>(iteration + 1) /
                                                                      static_cast<double>(options.warmup));
    const double lr = options.lr * warm;
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    const auto loss = text_attribute_loss(attribute_logits(text, heads, batch.prompts), batch.targets);
    loss.backward();
    optimizer->step();
    result.final_loss = loss.item<double>();
    result.iterations = iteration + 1;
    if (progress) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
      progress({result.iterations, options.iterations, result.final_loss, lr, seconds});
    }
  }
  result.held_out_accuracy = held_out_accuracy(text, heads, options);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string summary;
  for (size_t a = 0; a < text_attributes().size(); ++a) {
    if (result.held_out_accuracy[a] < 0.0) continue;
    summary += fmt::format("{}{} {:.2f}", summary.empty() ? "" : ", ", text_attributes()[a].name,
                           result.held_out_accuracy[a]);
  }
  logger()->info("text encoder pretrained on the world's prompts: {} iterations in {:.1f} s, final loss {:.4f}; "
                 "held-out read-out accuracy: {}", result.iterations, result.seconds, result.final_loss, summary);
  return result;
}

}  // namespace blade::train
