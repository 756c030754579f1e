#pragma once
// Whether the models use their fused CUDA kernels (DiT norms and RoPE, VAE norms) where those apply.
// On by default; tests and benchmarks switch it off to run the composite reference in the same process.

namespace blade {

void set_fused_kernels(bool enabled);
bool fused_kernels_enabled();

// Sets the switch for its lifetime and restores the previous value, also when an exception leaves.
// The switch is process-wide: a run on another thread meanwhile sees the same value.
class FusedKernelsScope {
 public:
  explicit FusedKernelsScope(bool enabled) : previous_(fused_kernels_enabled()) { set_fused_kernels(enabled); }
  ~FusedKernelsScope() { set_fused_kernels(previous_); }
  FusedKernelsScope(const FusedKernelsScope&) = delete;
  FusedKernelsScope& operator=(const FusedKernelsScope&) = delete;

 private:
  bool previous_;
};

}  // namespace blade
