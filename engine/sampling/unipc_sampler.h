#pragma once
// UniPC (predictor-corrector, B(h) = e^h - 1 "bh2", order 2, x0 prediction) for flow matching,
// matching diffusers' UniPCMultistepScheduler as the Wan pipelines configure it (prediction_type
// flow_prediction, lower_order_final, corrector on every step but the first). The scalar arithmetic
// runs on float32 CPU tensors like the reference, so results agree with it to rounding.

#include "sampling/sampler.h"

#include <array>

namespace blade::sampling {

class UniPCSampler final : public Sampler {
 public:
  explicit UniPCSampler(Schedule schedule);
  torch::Tensor step(const torch::Tensor& model_output, int index, const torch::Tensor& x) override;

 private:
  // lambda = log(alpha) - log(sigma) with alpha = 1 - sigma, for sigmas_[index].
  torch::Tensor lambda(int index) const;
  // UniP: x at sigmas_[index + 1] from x at sigmas_[index] and the stored x0 predictions.
  torch::Tensor predict(const torch::Tensor& x, int index, int order) const;
  // UniC: refines the sample at sigmas_[index] with the x0 prediction made there, from the sample
  // at sigmas_[index - 1] the previous predictor started from.
  torch::Tensor correct(const torch::Tensor& x0_now, const torch::Tensor& last_sample, int index,
                        int order) const;

  static constexpr int kSolverOrder = 2;
  torch::Tensor sigmas_;                                // float32 CPU, steps + 1 values
  std::array<torch::Tensor, kSolverOrder> x0_history_;  // x0 predictions, newest last
  torch::Tensor last_sample_;                           // the sample the last predictor started from
  int lower_order_count_ = 0;                           // warm-up: steps taken, up to kSolverOrder
  int last_order_ = 0;                                  // the order of the last predictor
  int next_index_ = 0;
};

}  // namespace blade::sampling
