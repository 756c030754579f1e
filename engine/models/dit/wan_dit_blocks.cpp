#include "models/dit/wan_dit_blocks.h"

#include "models/dit/wan_rope.h"

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
                                               const torch::Tensor& x) const {
  const auto projected = projection->forward(x).to(torch::kFloat32);
  return at::rms_norm(projected, {projected.size(-1)}, norm->weight(), eps_);
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
                                               const attention::AttentionCallInfo& info) const {
  const auto dtype = to_q_->weight().scalar_type();
  const int64_t batch = x.size(0), tokens = x.size(1);
  // q and k keep the [B, L, heads, head_dim] memory layout; the backend gets [B, heads, L, head_dim]
  // views (what flash attention wants) instead of transposed copies.
  const auto q = apply_wan_rope(project_normed(to_q_, norm_q_, x).view({batch, tokens, heads_, head_dim_}),
                                rope_factors, dtype).transpose(1, 2);
  const auto k = apply_wan_rope(project_normed(to_k_, norm_k_, x).view({batch, tokens, heads_, head_dim_}),
                                rope_factors, dtype).transpose(1, 2);
  const auto v = split_heads(to_v_->forward(x));
  return merge_heads_and_project(backend.forward(q, k, v, info), tokens);
}

torch::Tensor WanAttentionImpl::cross_attention(const torch::Tensor& x, const torch::Tensor& context) const {
  const auto dtype = to_q_->weight().scalar_type();
  const auto q = split_heads(project_normed(to_q_, norm_q_, x).to(dtype));
  const auto k = split_heads(project_normed(to_k_, norm_k_, context).to(dtype));
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
  return down_->forward(at::gelu(up_->forward(x), "tanh"));
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
                                    const attention::AttentionCallInfo& info) const {
  const auto modulation = scale_shift_table_ + time_modulation;  // [B, 6, dim] fp32
  const auto part = [&](int64_t i) { return modulation.narrow(1, i, 1); };

  const auto attn_in = modulated_layer_norm(x, part(0), part(1), eps_);
  x = residual_add(x, attn1_->self_attention(attn_in, rope_factors, backend, info), part(2));

  const auto cross_in = at::layer_norm(x, {x.size(-1)}, cross_norm_->weight(), cross_norm_->bias(), eps_);
  x = residual_add(x, attn2_->cross_attention(cross_in, context), torch::Tensor());

  const auto ffn_in = modulated_layer_norm(x, part(3), part(4), eps_);
  return residual_add(x, ffn_->forward(ffn_in), part(5));
}

}  // namespace blade::models
