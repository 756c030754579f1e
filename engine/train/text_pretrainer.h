#pragma once
// Pretrains a text encoder on the world's prompt grammar before the DiT learns from it: linear
// read-outs (text_attribute_heads.h) of every attribute the prompt states, from the encoder's
// tokens. Wan2.1 conditions on a pretrained umT5; BLADE-mini's encoder starts from random weights,
// and trained only through the DiT's loss it keeps most attributes close together (the mean of the
// bundled teacher's prompt tokens moves 0.05 for another shape and 0.10 for another motion, against
// 1.38 for another background tone; context_separation.h). Prompts come from training-split scenes;
// the accuracy is measured on held-out ones (attribute combinations never trained on).

#include "core/cancel.h"
#include "train/trainable_text_encoder.h"
#include "world/scene_sampler.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <vector>

namespace blade::train {

struct TextPretrainOptions {
  int64_t iterations = 400;
  int64_t batch = 64;
  double lr = 1e-3;
  int64_t warmup = 40;
  uint64_t seed = 0;
  double two_object_probability = world::SamplerSettings{}.two_object_probability;
  int64_t held_out_prompts = 256;

  void validate() const;  // throws InvalidArgument naming the bad value
};

struct TextPretrainResult {
  int64_t iterations = 0;
  double final_loss = 0.0;
  double seconds = 0.0;
  std::vector<double> held_out_accuracy;  // per text_attributes(), -1 where not stated
};

nlohmann::json to_json(const TextPretrainResult& result);

struct TextPretrainStep {
  int64_t iteration = 0;  // iterations done
  int64_t total = 0;
  double loss = 0.0;
  double learning_rate = 0.0;
  double seconds = 0.0;  // this iteration's
};
using TextPretrainProgress = std::function<void(const TextPretrainStep&)>;

// Trains the encoder's parameters in place (on its device, fp32). A cancel throws Cancelled and
// leaves the encoder part-trained: callers start it again from their own initial weights.
TextPretrainResult pretrain_text_encoder(TrainableTextEncoder& text, const TextPretrainOptions& options,
                                         const TextPretrainProgress& progress = {},
                                         const CancelToken* cancel = nullptr);

}  // namespace blade::train
