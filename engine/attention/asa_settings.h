#pragma once
// Settings of Adaptive Block-Sparse Attention (ASA) and its global-token variant (ASA-GT).
//
// Defaults are those of Wan2.1 in VIDEO-BLADE. Where the paper and the public code differ:
//  - probe_tokens: paper k = 16 (followed); the code samples 32.
//  - tau: code default 0.95 (followed; the paper shows 0.90 and 0.95).
//  - min_keep 0.05 / max_keep 0.17: the code's Wan values (the paper gives no number).
//  - threshold rule: the paper keeps the smallest prefix whose energy reaches tau (followed by
//    default, ThresholdRule::Paper); the code keeps one block fewer (ThresholdRule::Code).
//  - probe offsets: drawn independently for queries and keys, the same for every block, fresh
//    for every call and (batch, head) - as the code does (the paper does not say).
//  - tail block of the probe: padded by repeating the last token (as the code).
//  - ASA-GT tail pool group (tokens % pool_tokens != 0): we take the mean of the remaining tokens
//    and add ln(its size); the code pads with copies of the last token and adds ln(pool_tokens).
//  - ASA-GT is one exact softmax over [kept tiles ; pooled tokens] (equal in value to the code's
//    merge of two calls by LSE, and its gradient is exact; the code's backward drops the LSE term).
//  - fixed_sparsity: not in the paper or code; keeps ceil((1 - s) * key_blocks) blocks per row.

#include <cstdint>
#include <optional>

namespace blade::attention {

enum class ThresholdRule {
  Paper = 1,  // keep the smallest count c with cumulative energy of the c largest >= tau
  Code,       // keep c - 1 (the public code's argmax off-by-one), before clamping
};

struct AsaSettings {
  int block_size = 128;
  int probe_tokens = 16;
  double tau = 0.95;
  double min_keep = 0.05;
  double max_keep = 0.17;
  int pool_tokens = 30;                   // ASA-GT tokens per pooled global token (Wan 30)
  std::optional<double> fixed_sparsity;   // set: keep the top ceil((1-s) * key_blocks) blocks instead
  ThresholdRule rule = ThresholdRule::Paper;
  std::optional<uint64_t> seed;           // set: probe offsets are reproducible (a counter advances per call)
};

}  // namespace blade::attention
