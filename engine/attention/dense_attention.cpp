#include "attention/attention_backend.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <ATen/ops/scaled_dot_product_attention.h>

#include <chrono>

namespace blade::attention {

AttentionInputLayout AttentionBackend::preferred_layout(const std::array<int64_t, 3>& /*grid*/, torch::Device /*device*/) {
  return {};
}

torch::Tensor DenseAttention::forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const AttentionCallInfo& info) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
    fail(ErrorKind::Internal, "attention expects [batch, heads, tokens, head_dim] tensors, got q {} k {} v {}",
         shape_string(q.sizes()), shape_string(k.sizes()), shape_string(v.sizes()));
  }
  AttentionObserver* listener = observer();
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor out = at::scaled_dot_product_attention(q, k, v);
  if (listener) {
    AttentionCallStats stats;
    stats.info = info;
    stats.backend = name();
    stats.heads = q.size(1);
    stats.tokens = q.size(2);
    stats.attention_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    listener->on_attention_call(stats);
  }
  return out;
}

std::unique_ptr<AttentionBackend> make_dense_attention() { return std::make_unique<DenseAttention>(); }

}  // namespace blade::attention
