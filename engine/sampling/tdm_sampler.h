#pragma once
// The sampler a TDM-distilled student was trained with: at each of its trained timesteps it
// predicts x0 and the noise, then re-noises x0 to the next timestep with a mix of the predicted
// noise (weight eta) and fresh Gaussian noise (weight sqrt(1 - eta^2)). The last step returns x0.
// Following the distiller's own rollout puts the student on the states it learned from; UniPC on
// a shifted schedule asks it for timesteps it never saw.

#include "sampling/sampler.h"

#include <ATen/core/Generator.h>

namespace blade::sampling {

class TdmSampler final : public Sampler {
 public:
  // eta in [0, 1]; seed drives the fresh noise of the re-noising steps.
  TdmSampler(Schedule schedule, double eta, uint64_t seed);
  torch::Tensor step(const torch::Tensor& model_output, int index, const torch::Tensor& x) override;

 private:
  double eta_;
  at::Generator generator_;  // CPU: the same noise on every device
};

}  // namespace blade::sampling
