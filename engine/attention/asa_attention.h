#pragma once
// The ASA and ASA-GT back ends: Gilbert reorder, probe, block-sparse attention, reorder back.
// Every call draws fresh probe offsets; nothing is cached between calls (except the Gilbert
// permutation of a grid).

#include "attention/asa_settings.h"
#include "attention/attention_backend.h"

#include <ATen/core/Generator.h>

namespace blade::attention {

class AsaAttention : public AttentionBackend {
 public:
  explicit AsaAttention(const AsaSettings& settings);  // throws InvalidArgument for bad settings
  std::string name() const override { return "asa"; }
  // q, k, v: [batch, heads, tokens, head_dim]. Tokens are put into Gilbert order of info.grid when
  // the grid's product equals the token count (else kept in the given order). Differentiable.
  // With info.tokens_in_backend_order the tokens are taken as already in Gilbert order.
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const AttentionCallInfo& info) override;
  // The Gilbert order of the grid, and contiguous heads (what the kernels read).
  AttentionInputLayout preferred_layout(const std::array<int64_t, 3>& grid, torch::Device device) override;
  const AsaSettings& settings() const { return settings_; }

 protected:
  AsaAttention(const AsaSettings& settings, bool global_tokens);

 private:
  AsaSettings settings_;
  bool global_tokens_ = false;
  const AttentionInputLayout& gilbert_layout(const std::array<int64_t, 3>& grid, torch::Device device);

  at::Generator generator_;  // undefined: the device's default generator
  // The Gilbert order of the last grid on the last device (the grid is the same every call).
  std::array<int64_t, 3> gilbert_grid_{0, 0, 0};
  AttentionInputLayout gilbert_;
};

// ASA plus pooled global tokens (settings.pool_tokens per global token) in the same softmax.
class AsaGtAttention final : public AsaAttention {
 public:
  explicit AsaGtAttention(const AsaSettings& settings) : AsaAttention(settings, true) {}
  std::string name() const override { return "asa-gt"; }
};

void validate_asa_settings(const AsaSettings& settings);

}  // namespace blade::attention
