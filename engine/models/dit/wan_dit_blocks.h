#pragma once
// Attention, feed-forward and transformer block of the Wan DiT. Submodule and parameter names are
// diffusers' (attn1.to_q.weight, ffn.net.0.proj.weight, ...).

#include "attention/attention_backend.h"
#include "models/dit/wan_dit_config.h"
#include "models/dit/wan_dit_layers.h"

namespace blade::models {

// q/k/v/out projections with RMSNorm over the whole q and k (all heads, weight [dim]).
class WanAttentionImpl : public torch::nn::Module {
 public:
  WanAttentionImpl(const WanDiTConfig& config, const WanDiTPlacement& placement);

  // Self-attention through `backend`: x [B, L, dim] (compute dtype); rope_factors from wan_rope_factors
  // (rows in x's token order). heads_contiguous: hand q and k over as contiguous [B, heads, L, head_dim]
  // (the back end's preferred_layout asks for it).
  torch::Tensor self_attention(const torch::Tensor& x, const torch::Tensor& rope_factors,
                               attention::AttentionBackend& backend, const attention::AttentionCallInfo& info,
                               bool heads_contiguous = false) const;
  // Dense cross-attention of x [B, L, dim] to context [B, L_text, dim], no mask, no RoPE.
  torch::Tensor cross_attention(const torch::Tensor& x, const torch::Tensor& context) const;
  torch::Dtype compute_dtype() const { return to_q_->weight().scalar_type(); }

 private:
  // RMS-normed (and, with rope_factors, rotated) projection [B, heads, L, head_dim] in the compute dtype.
  torch::Tensor project_normed(const WanLinear& projection, const WanNormParams& norm, const torch::Tensor& x,
                               const torch::Tensor& rope_factors, bool heads_contiguous) const;
  torch::Tensor split_heads(const torch::Tensor& x) const;  // [B, L, dim] -> [B, heads, L, head_dim] (a view)
  torch::Tensor merge_heads_and_project(const torch::Tensor& attended, int64_t tokens) const;

  int64_t heads_ = 0;
  int64_t head_dim_ = 0;
  double eps_ = 1e-6;
  WanLinear to_q_{nullptr}, to_k_{nullptr}, to_v_{nullptr}, to_out_{nullptr};
  WanNormParams norm_q_{nullptr}, norm_k_{nullptr};
};
TORCH_MODULE(WanAttention);

// Linear(dim, ffn) -> GELU(tanh) -> Linear(ffn, dim), named ffn.net.0.proj / ffn.net.2.
class WanFeedForwardImpl : public torch::nn::Module {
 public:
  WanFeedForwardImpl(const WanDiTConfig& config, const WanDiTPlacement& placement);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  WanLinear up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(WanFeedForward);

// A block's last residual update (the gated FFN output), not yet added to the stream: the next block
// adds it in the same pass as its first norm. Empty before the first block.
struct PendingResidual {
  torch::Tensor update;
  torch::Tensor gate;
};

class WanBlockImpl : public torch::nn::Module {
 public:
  WanBlockImpl(const WanDiTConfig& config, const WanDiTPlacement& placement);

  // x [B, L, dim] fp32 residual stream (updated in place when no gradient is recorded);
  // time_modulation e0 [B, 6, dim] fp32; context [B, L_text, dim] compute dtype.
  // With `pending`, the block first adds the update left there, and leaves its own last update there
  // instead of adding it: the caller adds the final one (residual_add) after the last block.
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& time_modulation, const torch::Tensor& context,
                        const torch::Tensor& rope_factors, attention::AttentionBackend& backend,
                        const attention::AttentionCallInfo& info, bool heads_contiguous = false,
                        PendingResidual* pending = nullptr) const;

 private:
  double eps_ = 1e-6;
  torch::Tensor scale_shift_table_;  // [1, 6, dim]: shift, scale, gate (self-attn), shift, scale, gate (ffn)
  WanAttention attn1_{nullptr}, attn2_{nullptr};
  WanNormParams cross_norm_{nullptr};  // "norm2": the affine LayerNorm before cross-attention
  WanFeedForward ffn_{nullptr};
};
TORCH_MODULE(WanBlock);

}  // namespace blade::models
