#include "train/ema.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

#include <algorithm>

namespace blade::train {

EmaWeights::EmaWeights(const NamedTensors& parameters, double decay) : decay_(decay) {
  if (!(decay >= 0.0 && decay < 1.0)) fail(ErrorKind::InvalidArgument, "EMA decay must be in [0, 1), got {}", decay);
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : parameters) averages_.emplace_back(name, p.detach().to(torch::kFloat32).clone());
}

double EmaWeights::decay_at(int64_t updates_done) const {
  const double n = static_cast<double>(updates_done);
  return std::min(decay_, (1.0 + n) / (10.0 + n));
}

void EmaWeights::update(const NamedTensors& parameters, int64_t updates_done) {
  if (parameters.size() != averages_.size()) {
    fail(ErrorKind::Internal, "EMA holds {} tensors but was given {}", averages_.size(), parameters.size());
  }
  torch::NoGradGuard no_grad;
  const double weight = 1.0 - decay_at(updates_done);
  for (size_t i = 0; i < parameters.size(); ++i) {
    averages_[i].second.lerp_(parameters[i].second.detach().to(torch::kFloat32), weight);
  }
}

void EmaWeights::load(const std::map<std::string, torch::Tensor>& tensors, const std::string& prefix,
                      const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& [name, average] : averages_) {
    const auto found = tensors.find(prefix + name);
    if (found == tensors.end()) fail(ErrorKind::BadWeights, "{}: EMA tensor '{}' is missing", source, prefix + name);
    if (found->second.sizes() != average.sizes()) {
      fail(ErrorKind::BadWeights, "{}: EMA tensor '{}' has shape {}, expected {}", source, prefix + name,
           shape_string(found->second.sizes()), shape_string(average.sizes()));
    }
    average.copy_(found->second);
  }
}

}  // namespace blade::train
