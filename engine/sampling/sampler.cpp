#include "sampling/sampler.h"

#include "core/error.h"
#include "core/tensor_format.h"
#include "sampling/euler_sampler.h"
#include "sampling/tdm_sampler.h"
#include "sampling/unipc_sampler.h"

#include <algorithm>
#include <cctype>

namespace blade::sampling {

Sampler::Sampler(Schedule schedule) : schedule_(std::move(schedule)) {
  const auto& sigmas = schedule_.sigmas;
  if (schedule_.steps() < 1 || sigmas.size() != schedule_.timesteps.size() + 1) {
    fail(ErrorKind::InvalidArgument, "sampler schedule: expected steps + 1 sigmas for {} steps, got {} sigmas",
         schedule_.steps(), sigmas.size());
  }
  for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
    if (!(sigmas[i] > sigmas[i + 1]) || !(sigmas[i] <= 1.0) || !(sigmas[i + 1] >= 0.0)) {
      fail(ErrorKind::InvalidArgument,
           "sampler schedule: sigmas must decrease within [0, 1], got sigma[{}] = {} and sigma[{}] = {}", i,
           sigmas[i], i + 1, sigmas[i + 1]);
    }
  }
}

void Sampler::check_step(const char* sampler, const torch::Tensor& model_output, int index,
                         const torch::Tensor& x) const {
  if (index < 0 || index >= schedule_.steps()) {
    fail(ErrorKind::InvalidArgument, "{} step: index {} is outside the schedule's {} steps", sampler, index,
         schedule_.steps());
  }
  if (!model_output.defined() || !x.defined()) {
    fail(ErrorKind::InvalidArgument, "{} step {}: the {} is an undefined tensor", sampler, index,
         model_output.defined() ? "sample" : "model output");
  }
  if (model_output.sizes() != x.sizes()) {
    fail(ErrorKind::InvalidArgument, "{} step {}: model output shape {} differs from the sample shape {}", sampler,
         index, shape_string(model_output.sizes()), shape_string(x.sizes()));
  }
  if (!x.is_floating_point() || !model_output.is_floating_point()) {
    fail(ErrorKind::InvalidArgument, "{} step {}: sample and model output must be floating point, got {} and {}",
         sampler, index, c10::toString(x.scalar_type()), c10::toString(model_output.scalar_type()));
  }
}

torch::Tensor Sampler::predict_x0(const torch::Tensor& model_output, double sigma, const torch::Tensor& x) {
  return x - sigma * model_output;
}

std::unique_ptr<Sampler> make_sampler(SamplerKind kind, Schedule schedule, const SamplerOptions& options) {
  switch (kind) {
    case SamplerKind::UniPC: return std::make_unique<UniPCSampler>(std::move(schedule));
    case SamplerKind::Euler: return std::make_unique<EulerSampler>(std::move(schedule));
    case SamplerKind::Tdm: return std::make_unique<TdmSampler>(std::move(schedule), options.eta, options.seed);
  }
  fail(ErrorKind::InvalidArgument, "unknown sampler kind {}", static_cast<int>(kind));
}

SamplerKind parse_sampler_kind(const std::string& name) {
  std::string key = name;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  if (key == "unipc") return SamplerKind::UniPC;
  if (key == "euler") return SamplerKind::Euler;
  if (key == "tdm") return SamplerKind::Tdm;
  fail(ErrorKind::InvalidArgument, "unknown sampler '{}': expected one of unipc, euler, tdm", name);
}

std::string to_string(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::UniPC: return "unipc";
    case SamplerKind::Euler: return "euler";
    case SamplerKind::Tdm: return "tdm";
  }
  return "unknown";
}

}  // namespace blade::sampling
