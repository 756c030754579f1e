#pragma once
// AdamW over named parameters, and its per-parameter state as named tensors for checkpoints
// ("<prefix><param>.exp_avg", ".exp_avg_sq", ".step").

#include "train/named_tensors.h"

#include <torch/optim/adamw.h>

#include <memory>

namespace blade::train {

struct AdamWSettings {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
};

// Two groups: matrices decay; vectors, modulation tables, relative-position tables and the token
// embedding do not.
std::unique_ptr<torch::optim::AdamW> make_adamw(const NamedTensors& parameters, const AdamWSettings& settings);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

NamedTensors adamw_state(const torch::optim::AdamW& optimizer, const NamedTensors& parameters,
                         const std::string& prefix);
// Parameters without saved state (never stepped) are left without state.
void restore_adamw_state(torch::optim::AdamW& optimizer, const NamedTensors& parameters,
                         const std::map<std::string, torch::Tensor>& tensors, const std::string& prefix,
                         const std::string& source);

}  // namespace blade::train
