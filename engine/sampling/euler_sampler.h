#pragma once
// First-order flow-matching step, as diffusers' FlowMatchEulerDiscreteScheduler:
// x_next = x + (sigma_next - sigma) v, computed in float32 (or wider when x is float64).

#include "sampling/sampler.h"

namespace blade::sampling {

class EulerSampler final : public Sampler {
 public:
  explicit EulerSampler(Schedule schedule);
  torch::Tensor step(const torch::Tensor& model_output, int index, const torch::Tensor& x) override;

 private:
  torch::Tensor sigmas_;  // float32 CPU copy of the schedule's sigmas, the reference's arithmetic
};

}  // namespace blade::sampling
