#pragma once
// Exponential moving average of a model's parameters (fp32 copies on the parameters' device).
// The decay ramps up as min(decay, (1 + n) / (10 + n)) after n updates, so early averages are
// not dominated by the random initialisation.

#include "train/named_tensors.h"

namespace blade::train {

class EmaWeights {
 public:
  EmaWeights() = default;
  EmaWeights(const NamedTensors& parameters, double decay);

  // ema = ema + (1 - d) (p - ema) for every parameter, in the order given at construction.
  void update(const NamedTensors& parameters, int64_t updates_done);
  double decay_at(int64_t updates_done) const;

  const NamedTensors& averages() const { return averages_; }  // names as given, fp32
  // Replaces the averages (checkpoint restore) from tensors[prefix + name].
  void load(const std::map<std::string, torch::Tensor>& tensors, const std::string& prefix, const std::string& source);

 private:
  double decay_ = 0.999;
  NamedTensors averages_;
};

}  // namespace blade::train
