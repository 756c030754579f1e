#pragma once
// The ASA importance probe (blade-method.md section 1, steps 2-4): a cheap estimate of how much
// attention mass each (query block, key block) tile holds, from a few sampled tokens per block,
// and the rule that turns it into a block mask.

#include "attention/asa_settings.h"
#include "attention/block_mask.h"

#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace blade::attention {

// In-block offsets of the sampled tokens: the same for every block of a (batch, head), distinct
// within a block, ascending, drawn independently for queries and keys.
struct ProbeSamples {
  torch::Tensor query_offsets;  // int64 [batch, heads, tokens_per_block], on `device`
  torch::Tensor key_offsets;    // int64 [batch, heads, tokens_per_block]
};

// tokens_per_block is capped at block_size. A given (CPU) generator draws on the CPU, so that a
// seed picks the same samples on every device; an undefined one draws with `device`'s default
// generator, on the device (no copy between host and GPU in the denoising loop).
ProbeSamples draw_probe_samples(int64_t batch, int64_t heads, int64_t block_size, int64_t tokens_per_block,
                                at::Generator generator, torch::Device device = torch::kCPU);

// P[b, h, i, j]: for the sampled query rows r of block i, R[r, j] = max over the sampled keys c of
// block j of q_r.k_c / sqrt(d); P = max_r exp(R[r, j] - max_j' R[r, j']); rows normalised to sum 1.
// Positions past the last token (tail block) read the last token. q, k: [batch, heads, tokens, dim].
// Float64 inputs give float64 scores, anything else float32.
torch::Tensor probe_block_scores(const torch::Tensor& q, const torch::Tensor& k, const ProbeSamples& samples,
                                 int64_t block_size);

// The kept count of one row of scores sorted descending (see ThresholdRule), clamped to
// [max(1, floor(n * min_keep)), max(1, floor(n * max_keep))]; or, with fixed_sparsity s,
// clamp(ceil((1 - s) * n), 1, n).
int64_t kept_block_count(const std::vector<double>& sorted_descending, const AsaSettings& settings);

// Keeps the kept_block_count largest scores of each row (ties: the lower block index first).
BlockMask select_blocks(const torch::Tensor& scores, const AsaSettings& settings);

struct ProbeResult {
  BlockIndex index;      // the kept blocks as the sparse kernels take them, on q's device
  BlockMask mask;        // the same as bits on the CPU, with `want_mask` (empty otherwise)
  torch::Tensor scores;  // P, [batch, heads, query_blocks, key_blocks] (CPU with `want_mask`)
  ProbeSamples samples;
};

// On CUDA the probe, the selection and the index stay on the GPU; `want_mask` adds the host copy
// (scores and bit mask) that observers and tests read, at the cost of a synchronisation.
ProbeResult run_probe(const torch::Tensor& q, const torch::Tensor& k, const AsaSettings& settings,
                      at::Generator generator, bool want_mask = true);

}  // namespace blade::attention
