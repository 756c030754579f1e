#pragma once
// bf16 autocast on CUDA for a scope (the forward passes of a training step). Parameters stay fp32
// (the optimiser's master weights); matmuls and attention run in bf16, norms and losses in fp32.
// Does nothing when disabled or off CUDA.

#include <torch/types.h>

namespace blade::train {

class CudaAutocastScope {
 public:
  CudaAutocastScope(bool enabled, torch::Device device);
  ~CudaAutocastScope();
  CudaAutocastScope(const CudaAutocastScope&) = delete;
  CudaAutocastScope& operator=(const CudaAutocastScope&) = delete;

 private:
  bool active_ = false;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace blade::train
