#pragma once
// Process-wide switches between implementations that compute the same thing, for tests and benchmarks
// that compare them in one process. Both are on by default.
// - fused kernels: the models use their fused CUDA kernels (DiT norms, residual adds and RoPE, VAE
//   norms) where those apply; off, the composite reference runs.
// - strided attention operands: the Hopper attention forward reads q, k, v and writes its output as
//   strided views in place; off, it takes packed copies (the layout before 2026-12-07).

namespace blade {

void set_fused_kernels(bool enabled);
bool fused_kernels_enabled();

void set_strided_attention_operands(bool enabled);
bool strided_attention_operands_enabled();

// Sets a switch for its lifetime and restores the previous value, also when an exception leaves.
// A run on another thread meanwhile sees the same value.
class ScopedSwitch {
 public:
  ScopedSwitch(bool (*get)(), void (*set)(bool), bool enabled) : set_(set), previous_(get()) { set(enabled); }
  ~ScopedSwitch() { set_(previous_); }
  ScopedSwitch(const ScopedSwitch&) = delete;
  ScopedSwitch& operator=(const ScopedSwitch&) = delete;

 private:
  void (*set_)(bool);
  bool previous_;
};

class FusedKernelsScope : public ScopedSwitch {
 public:
  explicit FusedKernelsScope(bool enabled) : ScopedSwitch(fused_kernels_enabled, set_fused_kernels, enabled) {}
};

class StridedAttentionScope : public ScopedSwitch {
 public:
  explicit StridedAttentionScope(bool enabled)
      : ScopedSwitch(strided_attention_operands_enabled, set_strided_attention_operands, enabled) {}
};

}  // namespace blade
