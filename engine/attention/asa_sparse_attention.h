#pragma once
// Differentiable block-sparse attention (CPU kernels of asa_sparse_kernel.h behind a
// torch::autograd::Function) and the ASA-GT global tokens.

#include "attention/asa_sparse_kernel.h"
#include "attention/block_mask.h"

#include <torch/types.h>

namespace blade::attention {

struct SparseAttentionOutput {
  torch::Tensor out;  // like q
  torch::Tensor lse;  // [batch, heads, query tokens], float32 (float64 for float64 inputs), no gradient
};

// softmax over the kept key blocks of each query block [and the global tokens] times v.
// Any dtype and device: the work runs on the CPU in float32 (float64 stays float64), the result
// comes back in q's dtype and device. Gradients flow to q, k, v and the global keys/values.
SparseAttentionOutput block_sparse_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                             const BlockIndex& index, int64_t block_size,
                                             const GlobalTokens* global = nullptr);

// ASA-GT global tokens: the mean of every `group` consecutive tokens of k and v (in the order
// given, i.e. Gilbert order), log_weight = ln(group). A shorter tail group is the mean of the
// remaining tokens with ln(its size). Differentiable.
GlobalTokens pool_global_tokens(const torch::Tensor& k, const torch::Tensor& v, int64_t group);

}  // namespace blade::attention
