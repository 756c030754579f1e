#include "train/adamw_state.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

namespace blade::train {
namespace {

bool decays(const std::string& name, const torch::Tensor& p) {
  if (p.dim() < 2) return false;
  for (const char* exempt : {"scale_shift_table", "relative_attention_bias", "shared.weight"}) {
    if (name.find(exempt) != std::string::npos) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<torch::optim::AdamW> make_adamw(const NamedTensors& parameters, const AdamWSettings& s) {
  std::vector<torch::Tensor> with_decay, without_decay;
  for (const auto& [name, p] : parameters) (decays(name, p) ? with_decay : without_decay).push_back(p);
  auto options = torch::optim::AdamWOptions(s.lr).betas({s.beta1, s.beta2}).eps(s.eps).weight_decay(s.weight_decay);
  auto no_decay = options;
  no_decay.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(with_decay, std::make_unique<torch::optim::AdamWOptions>(options));
  groups.emplace_back(without_decay, std::make_unique<torch::optim::AdamWOptions>(no_decay));
  return std::make_unique<torch::optim::AdamW>(groups, options);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

NamedTensors adamw_state(const torch::optim::AdamW& optimizer, const NamedTensors& parameters,
                         const std::string& prefix) {
  NamedTensors out;
  const auto& states = optimizer.state();
  for (const auto& [name, p] : parameters) {
    const auto found = states.find(p.unsafeGetTensorImpl());
    if (found == states.end()) continue;
    const auto& state = static_cast<const torch::optim::AdamWParamState&>(*found->second);
    out.emplace_back(prefix + name + ".exp_avg", state.exp_avg());
    out.emplace_back(prefix + name + ".exp_avg_sq", state.exp_avg_sq());
    out.emplace_back(prefix + name + ".step", torch::tensor({state.step()}, torch::kLong));
  }
  return out;
}

void restore_adamw_state(torch::optim::AdamW& optimizer, const NamedTensors& parameters,
                         const std::map<std::string, torch::Tensor>& tensors, const std::string& prefix,
                         const std::string& source) {
  torch::NoGradGuard no_grad;
  auto& states = optimizer.state();
  states.clear();
  for (const auto& [name, p] : parameters) {
    const auto avg = tensors.find(prefix + name + ".exp_avg");
    if (avg == tensors.end()) continue;
    const auto sq = tensors.find(prefix + name + ".exp_avg_sq");
    const auto step = tensors.find(prefix + name + ".step");
    if (sq == tensors.end() || step == tensors.end()) {
      fail(ErrorKind::BadWeights, "{}: optimizer state of '{}' is incomplete (exp_avg_sq or step missing)", source,
           name);
    }
    if (avg->second.sizes() != p.sizes() || sq->second.sizes() != p.sizes()) {
      fail(ErrorKind::BadWeights, "{}: optimizer state of '{}' has shape {}, the parameter {}", source, name,
           shape_string(avg->second.sizes()), shape_string(p.sizes()));
    }
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(step->second.to(torch::kLong).reshape({-1})[0].item<int64_t>());
    state->exp_avg(avg->second.to(p.device(), p.scalar_type()).clone());
    state->exp_avg_sq(sq->second.to(p.device(), p.scalar_type()).clone());
    states[p.unsafeGetTensorImpl()] = std::move(state);
  }
}

}  // namespace blade::train
