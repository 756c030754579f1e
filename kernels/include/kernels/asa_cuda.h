#pragma once
// CUDA back end of Adaptive Block-Sparse Attention (ASA) and ASA-GT: the block-sparse
// flash-attention forward (with LSE) and backward, and the importance probe that chooses the kept
// key blocks - with the semantics of the CPU implementation in engine/attention (asa_probe.h,
// asa_sparse_kernel.h, block_mask.h).
//
// Tensors: q [B, H, Lq, D], k and v [B, H, Lk, D], bfloat16 or float16 on one CUDA device, D 64 or
// 128, block size 64 or 128. The block index is BlockMask::to_index()'s compressed-row form: row
// r = (b * H + h) * ceil(Lq / block) + query_block keeps key blocks indices[offsets[r] ..
// offsets[r + 1]), ascending; int64, on the CPU or the GPU (moved to q's device).
// ASA-GT global tokens: keys and values [B, H, G, D] and a natural-log logit bias [G] (ln n), joined
// to the same softmax as the kept tiles.

#include <torch/types.h>

#include <cstdint>
#include <optional>

namespace blade::kernels {

// True when q, k, v fit the kernels (see above): the ASA back ends then run on the GPU.
bool sparse_attention_supported(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                int64_t block_size);

struct GlobalTokenTensors {
  torch::Tensor keys;        // [B, H, G, D]; undefined: plain ASA
  torch::Tensor values;      // [B, H, G, D]
  torch::Tensor log_weight;  // [G], any float dtype
  // > 0: the global tokens pool this many consecutive keys each (the last one the rest), and
  // log_weight holds exactly ln of each pool's size in float32 (as pool_global_tokens makes it). The
  // Hopper forward then works the bias out instead of loading it for every score, and trusts this:
  // only the count of global tokens is checked. 0: any log_weight.
  int64_t pool_group = 0;
  bool defined() const { return keys.defined(); }
};

struct SparseAttentionResult {
  torch::Tensor out;  // like q
  torch::Tensor lse;  // float32 [B, H, Lq], natural log; -inf for a row that attends nothing (out 0)
};

// Forward only (no autograd).
SparseAttentionResult block_sparse_forward_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                                const torch::Tensor& offsets, const torch::Tensor& indices,
                                                int64_t block_size, const GlobalTokenTensors& global = {});

// The same into caller buffers: out contiguous like q, lse contiguous float32 [B, H, Lq].
void block_sparse_forward_cuda_into(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    const torch::Tensor& offsets, const torch::Tensor& indices, int64_t block_size,
                                    const GlobalTokenTensors& global, torch::Tensor& out, torch::Tensor& lse);

struct SparseAttentionGradients {
  torch::Tensor dq, dk, dv;
  torch::Tensor global_dk, global_dv;  // undefined without global tokens
};

// Gradients from the forward's out and lse (recomputes the kept tiles).
SparseAttentionGradients block_sparse_backward_cuda(const torch::Tensor& q, const torch::Tensor& k,
                                                    const torch::Tensor& v, const torch::Tensor& offsets,
                                                    const torch::Tensor& indices, int64_t block_size,
                                                    const GlobalTokenTensors& global, const torch::Tensor& out,
                                                    const torch::Tensor& lse, const torch::Tensor& grad_out);

// Differentiable (a torch::autograd::Function): gradients flow to q, k, v and the global keys and
// values; lse carries none.
SparseAttentionResult block_sparse_attention_cuda(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v, const torch::Tensor& offsets,
                                                  const torch::Tensor& indices, int64_t block_size,
                                                  const GlobalTokenTensors& global = {});

// The block selection of asa_probe.h kept_block_count / select_blocks.
struct ProbeRule {
  double tau = 0.95;
  bool drop_one = false;  // ThresholdRule::Code (one block fewer than the paper's rule)
  double min_keep = 0.05;
  double max_keep = 0.17;
  std::optional<double> fixed_sparsity;  // set: keep clamp(ceil((1 - s) * key_blocks), 1, key_blocks)
};

// True when the probe kernel takes this shape: q, k as for sparse_attention_supported (Lq may
// differ from Lk) and 1..32 sampled tokens per block.
bool probe_supported(const torch::Tensor& q, const torch::Tensor& k, int64_t block_size, int64_t samples);

struct ProbeOutput {
  // Compressed rows on q's device, made without a host round trip. indices holds room for the
  // largest possible count of every row; entries at or past offsets[rows] are unused.
  torch::Tensor offsets;  // int64 [B * H * query_blocks + 1]
  torch::Tensor indices;  // int64
  torch::Tensor scores;   // float32 [B, H, query_blocks, key_blocks]: the normalised P of asa_probe.h
  torch::Tensor keep;     // bool [B, H, query_blocks, key_blocks] when asked for, else undefined
};

// The probe with the given in-block sample offsets (int64 [B, H, samples], as
// draw_probe_samples gives; any device). Equals the CPU probe's choice on the same offsets.
ProbeOutput asa_probe_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& query_offsets,
                           const torch::Tensor& key_offsets, int64_t block_size, const ProbeRule& rule,
                           bool want_keep_mask = false);

// Only the scores P (asa_probe.h probe_block_scores), float32 on q's device.
torch::Tensor probe_scores_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& query_offsets,
                                const torch::Tensor& key_offsets, int64_t block_size);

}  // namespace blade::kernels
