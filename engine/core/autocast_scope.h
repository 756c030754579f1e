#pragma once
// bf16 autocast for a scope, on the device's autocast type (CUDA or CPU): matmuls and convolutions
// run in bf16, norms and reductions in fp32, parameters keep their dtype. Used by training (fp32
// master weights) and by the VAE decode in bf16. Does nothing when disabled.

#include <torch/types.h>

namespace blade {

class AutocastScope {
 public:
  AutocastScope(bool enabled, torch::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  at::DeviceType type_ = at::kCUDA;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace blade
