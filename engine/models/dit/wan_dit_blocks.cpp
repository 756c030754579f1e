#include "models/dit/wan_dit_blocks.h"

#include "core/profile_scope.h"
#include "models/dit/wan_dit_fused.h"

#include <torch/torch.h>

namespace blade::models {

WanAttentionImpl::WanAttentionImpl(const WanDiTConfig& config, const WanDiTPlacement& placement)
    : heads_(config.num_heads), head_dim_(config.head_dim), eps_(config.eps) {
  const int64_t dim = config.dim;
  to_q_ = register_module("to_q", WanLinear(dim, dim, placement, true));
  to_k_ = register_module("to_k", WanLinear(dim, dim, placement, true));
  to_v_ = register_module("to_v", WanLinear(dim, dim, placement, true));
  auto out_level = register_module("to_out", WanNameLevel());
  to_out_ = out_level->register_module("0", WanLinear(dim, dim, placement, true));
  norm_q_ = register_module("norm_q", WanNormParams(dim, false, placement));
  norm_k_ = register_module("norm_k", WanNormParams(dim, false, placement));
}

torch::Tensor WanAttentionImpl::project_normed(const WanLinear& projection, const WanNormParams& norm,
                                               const torch::Tensor& x, const torch::Tensor& rope_factors,
                                               bool heads_contiguous) const {
  return normed_query_key_heads(projection->forward(x), norm->weight(), eps_, rope_factors, head_dim_, compute_dtype(),
                                heads_contiguous);
}

torch::Tensor WanAttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, head_dim_}).transpose(1, 2);
}

torch::Tensor WanAttentionImpl::merge_heads_and_project(const torch::Tensor& attended, int64_t tokens) const {
  const auto merged = attended.transpose(1, 2).reshape({attended.size(0), tokens, heads_ * head_dim_});
  return to_out_->forward(merged);
}

torch::Tensor WanAttentionImpl::self_attention(const torch::Tensor& x, const torch::Tensor& rope_factors,
                                               attention::AttentionBackend& backend,
                                               const attention::AttentionCallInfo& info,
                                               bool heads_contiguous) const {
  // Unless heads_contiguous, q and k keep the [B, L, heads, head_dim] memory layout; the backend gets
  // [B, heads, L, head_dim] views (what flash attention wants) instead of transposed copies.
  const auto q = project_normed(to_q_, norm_q_, x, rope_factors, heads_contiguous);
  const auto k = project_normed(to_k_, norm_k_, x, rope_factors, heads_contiguous);
  const auto v = split_heads(to_v_->forward(x));
  return merge_heads_and_project(backend.forward(q, k, v, info), x.size(1));
}

torch::Tensor WanAttentionImpl::cross_attention(const torch::Tensor& x, const torch::Tensor& context) const {
  const auto q = project_normed(to_q_, norm_q_, x, torch::Tensor(), false);
  const auto k = project_normed(to_k_, norm_k_, context, torch::Tensor(), false);
  const auto v = split_heads(to_v_->forward(context));
  return merge_heads_and_project(at::scaled_dot_product_attention(q, k, v), x.size(1));
}

WanFeedForwardImpl::WanFeedForwardImpl(const WanDiTConfig& config, const WanDiTPlacement& placement) {
  auto net = register_module("net", WanNameLevel());
  auto gelu = net->register_module("0", WanNameLevel());
  up_ = gelu->register_module("proj", WanLinear(config.dim, config.ffn_dim, placement, true));
  down_ = net->register_module("2", WanLinear(config.ffn_dim, config.dim, placement, true));
}

torch::Tensor WanFeedForwardImpl::forward(const torch::Tensor& x) const {
  if (up_->has_low_rank_update()) return down_->forward(at::gelu(up_->forward(x), "tanh"));
  return down_->forward(linear_gelu_tanh(x, up_->weight(), up_->bias()));
}

WanBlockImpl::WanBlockImpl(const WanDiTConfig& config, const WanDiTPlacement& placement) : eps_(config.eps) {
  scale_shift_table_ = register_parameter("scale_shift_table", placement.make({1, 6, config.dim}, false), false);
  attn1_ = register_module("attn1", WanAttention(config, placement));
  attn2_ = register_module("attn2", WanAttention(config, placement));
  cross_norm_ = register_module("norm2", WanNormParams(config.dim, true, placement));
  ffn_ = register_module("ffn", WanFeedForward(config, placement));
}

torch::Tensor WanBlockImpl::forward(torch::Tensor x, const torch::Tensor& time_modulation,
                                    const torch::Tensor& context, const torch::Tensor& rope_factors,
                                    attention::AttentionBackend& backend,
                                    const attention::AttentionCallInfo& info, bool heads_contiguous,
                                    PendingResidual* pending) const {
  const auto modulation = scale_shift_table_ + time_modulation;  // [B, 6, dim] fp32
  const auto part = [&](int64_t i) { return modulation.narrow(1, i, 1); };

  // Each residual add is fused with the norm that follows it (one pass over the float32 stream).
  // Every update is released as soon as it is added: the FFN, where memory peaks, holds none of them.
  const auto dtype = attn1_->compute_dtype();
  const auto attn_in = pending != nullptr && pending->update.defined()
                           ? add_then_modulated_norm(x, pending->update, pending->gate, part(0), part(1), eps_, dtype)
                           : modulated_norm(x, part(0), part(1), eps_, dtype);
  if (pending != nullptr) *pending = {};
  torch::Tensor attended;
  {
    BLADE_PROFILE_SCOPE("blade::self_attention");
    attended = attn1_->self_attention(attn_in, rope_factors, backend, info, heads_contiguous);
  }

  const auto cross_in = add_then_affine_norm(x, attended, part(2), cross_norm_->weight(), cross_norm_->bias(), eps_,
                                             dtype);
  attended.reset();
  torch::Tensor crossed;
  {
    BLADE_PROFILE_SCOPE("blade::cross_attention");
    crossed = attn2_->cross_attention(cross_in, context);
  }

  const auto ffn_in = add_then_modulated_norm(x, crossed, torch::Tensor(), part(3), part(4), eps_, dtype);
  crossed.reset();
  BLADE_PROFILE_SCOPE("blade::feed_forward");
  auto ffn_out = ffn_->forward(ffn_in);
  if (pending == nullptr) return residual_add(x, ffn_out, part(5));
  *pending = PendingResidual{std::move(ffn_out), part(5)};
  return x;
}

}  // namespace blade::models
