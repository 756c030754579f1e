#include "sampling/tdm_sampler.h"

#include "core/device.h"
#include "core/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace blade::sampling {
namespace {

// Keeps the re-noising stream apart from the initial noise, which the pipeline draws from `seed`.
constexpr uint64_t kRenoiseStream = 0x9E3779B97F4A7C15ull;

}  // namespace

TdmSampler::TdmSampler(Schedule schedule, double eta, uint64_t seed)
    : Sampler(std::move(schedule)), eta_(eta), generator_(at::detail::createCPUGenerator(seed ^ kRenoiseStream)) {
  if (!(eta >= 0.0 && eta <= 1.0)) fail(ErrorKind::InvalidArgument, "tdm sampler: eta must be in [0, 1], got {}", eta);
}

torch::Tensor TdmSampler::step(const torch::Tensor& model_output, int index, const torch::Tensor& x) {
  check_step("tdm", model_output, index, x);
  const auto dtype = x.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  const auto sample = x.to(dtype), velocity = model_output.to(dtype);
  const double sigma = schedule_.sigmas[index], next = schedule_.sigmas[index + 1];
  // Flow matching: x = (1 - sigma) x0 + sigma eps and v = eps - x0.
  const auto x0 = sample - sigma * velocity;
  if (next == 0.0) return x0.to(x.scalar_type());
  const auto eps = sample + (1.0 - sigma) * velocity;
  const auto drawn = at::randn(x.sizes(), generator_, torch::TensorOptions().dtype(dtype));
  const auto fresh = upload_without_waiting(drawn, x.device());
  const auto noise = eta_ * eps + std::sqrt(1.0 - eta_ * eta_) * fresh;
  return ((1.0 - next) * x0 + next * noise).to(x.scalar_type());
}

}  // namespace blade::sampling
