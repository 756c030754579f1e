#pragma once
// Pretrains a text encoder on the world's prompt grammar before the DiT learns from it: linear
// read-outs (text_attribute_heads.h) of every attribute the prompt states, from the encoder's
// tokens. Wan2.1 conditions on a pretrained umT5; BLADE-mini's encoder starts from random weights,
// and trained only through the DiT's loss it separates colours and backgrounds well but motion,
// speed and shape hardly (context_separation.h). Prompts come from training-split scenes; the
// accuracy is measured on held-out ones (attribute combinations never trained on).

#include "core/cancel.h"
#include "train/trainable_text_encoder.h"

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
  double two_object_probability = 0.4;
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

// (iterations done, total, this iteration's loss)
using TextPretrainProgress = std::function<void(int64_t, int64_t, double)>;

// Trains the encoder's parameters in place (on its device, fp32). A cancel throws Cancelled and
// leaves the encoder part-trained: callers start it again from their own initial weights.
TextPretrainResult pretrain_text_encoder(TrainableTextEncoder& text, const TextPretrainOptions& options,
                                         const TextPretrainProgress& progress = {},
                                         const CancelToken* cancel = nullptr);

}  // namespace blade::train
