#pragma once
// Samplers: one per generation, stepping a latent along a Schedule from noise to data with the
// velocity the model predicts at each sigma. Stateful (UniPC keeps the previous model outputs), so
// steps must come in order.

#include "sampling/schedule.h"

#include <torch/types.h>

#include <memory>
#include <string>

namespace blade::sampling {

enum class SamplerKind { UniPC = 1, Euler, Tdm };

SamplerKind parse_sampler_kind(const std::string& name);  // "unipc" | "euler" | "tdm"
std::string to_string(SamplerKind kind);

class Sampler {
 public:
  virtual ~Sampler() = default;

  // model_output: the velocity v predicted at sigmas[index] for sample x. Returns x at
  // sigmas[index + 1], in x's dtype. Throws InvalidArgument for an index out of range or out of
  // order, or tensors whose shapes differ.
  virtual torch::Tensor step(const torch::Tensor& model_output, int index, const torch::Tensor& x) = 0;

  // The x0 prediction for previews: x - sigma v.
  static torch::Tensor predict_x0(const torch::Tensor& model_output, double sigma, const torch::Tensor& x);

  const Schedule& schedule() const { return schedule_; }

 protected:
  explicit Sampler(Schedule schedule);
  // The checks every step does; `sampler` names the sampler in messages.
  void check_step(const char* sampler, const torch::Tensor& model_output, int index, const torch::Tensor& x) const;

  Schedule schedule_;
};

// What only some samplers use: TDM's re-noising weight and the seed of its fresh noise.
struct SamplerOptions {
  double eta = 0.9;
  uint64_t seed = 0;
};

std::unique_ptr<Sampler> make_sampler(SamplerKind kind, Schedule schedule, const SamplerOptions& options = {});

}  // namespace blade::sampling
