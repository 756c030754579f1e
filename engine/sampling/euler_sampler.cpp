#include "sampling/euler_sampler.h"

namespace blade::sampling {

EulerSampler::EulerSampler(Schedule schedule)
    : Sampler(std::move(schedule)),
      sigmas_(torch::tensor(schedule_.sigmas, torch::kFloat64).to(torch::kFloat32)) {}

torch::Tensor EulerSampler::step(const torch::Tensor& model_output, int index, const torch::Tensor& x) {
  check_step("euler", model_output, index, x);
  // diffusers upcasts the sample to float32 and takes the sigma difference in float32. It casts the
  // result to the model output's dtype; we keep the sample's (the same when both dtypes agree).
  const auto sample = x.scalar_type() == torch::kFloat64 ? x : x.to(torch::kFloat32);
  const auto dt = sigmas_[index + 1] - sigmas_[index];
  return (sample + dt * model_output).to(x.scalar_type());
}

}  // namespace blade::sampling
