#pragma once
// CPU block-sparse attention: exact softmax attention of each query block over its kept key
// blocks only (and, for ASA-GT, over a set of extra "global" keys with a per-key log weight).
// Masked tiles are never touched. No autograd here: see asa_sparse_attention.h.

#include "attention/block_mask.h"

#include <torch/types.h>

namespace blade::attention {

// Extra keys every query attends to, with logit bias log_weight (ASA-GT: pooled tokens, ln n).
struct GlobalTokens {
  torch::Tensor keys;        // [batch, heads, count, dim]
  torch::Tensor values;      // [batch, heads, count, dim]
  torch::Tensor log_weight;  // [count]
  int64_t pool_group = 0;    // > 0: made by pool_global_tokens with this group (log_weight is ln of the pool sizes)
};

struct SparseForward {
  torch::Tensor out;  // [batch, heads, query tokens, dim]
  torch::Tensor lse;  // [batch, heads, query tokens]: natural-log sum of exp(logits) over attended keys
};

struct SparseGradients {
  torch::Tensor dq, dk, dv;
  torch::Tensor global_dk, global_dv;  // undefined without global tokens
};

// Keys gathered per pair of matrix products. At the sparsities ASA runs at, all kept keys of a query
// tile (and ASA-GT's global tokens) fit in one chunk, so the softmax takes one pass; longer rows fall
// back to online rescaling across chunks. The element-wise passes (max, exp, sum) over the scores
// cost about as much as the two GEMMs, so every extra chunk shows. Tests pass small values to cover
// the multi-chunk path.
inline constexpr int64_t kSparseChunkKeys = 4096;

// q: [B, H, Lq, D], k, v: [B, H, Lk, D]; CPU, contiguous, float32 or float64, one dtype. index
// rows: B * H * ceil(Lq / block_size), block indices < ceil(Lk / block_size). global: optional.
SparseForward sparse_attention_forward_cpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const BlockIndex& index, int64_t block_size, const GlobalTokens* global,
                                           int64_t chunk_keys = kSparseChunkKeys);

// The same, writing into caller-provided out [B, H, Lq, D] and lse [B, H, Lq] (q's dtype, contiguous).
void sparse_attention_forward_cpu_into(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                       const BlockIndex& index, int64_t block_size, const GlobalTokens* global,
                                       torch::Tensor& out, torch::Tensor& lse, int64_t chunk_keys = kSparseChunkKeys);

// Gradients from the saved output and LSE (recomputes the kept tiles).
SparseGradients sparse_attention_backward_cpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                              const BlockIndex& index, int64_t block_size, const GlobalTokens* global,
                                              const torch::Tensor& out, const torch::Tensor& lse,
                                              const torch::Tensor& grad_out, int64_t chunk_keys = kSparseChunkKeys);

}  // namespace blade::attention
