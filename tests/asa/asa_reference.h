#pragma once
// Float64 references for the ASA tests: dense attention restricted by a block mask, with optional
// global tokens in the same softmax. Plain tensor ops, differentiable.

#include "attention/block_mask.h"

#include <torch/torch.h>

#include <cmath>

namespace blade::test {

// bool [B, H, Lq, Lk]: token (i, j) is visible iff block (i / bs, j / bs) is kept.
inline torch::Tensor token_mask(const blade::attention::BlockMask& mask, int64_t lq, int64_t lk, int64_t bs) {
  auto blocks = mask.to_tensor();
  auto rows = torch::arange(lq, torch::kInt64).div(bs, "floor");
  auto cols = torch::arange(lk, torch::kInt64).div(bs, "floor");
  return blocks.index_select(2, rows).index_select(3, cols);
}

struct ReferenceOutput {
  torch::Tensor out;
  torch::Tensor lse;
};

// softmax([q k^T / sqrt(d) masked to -inf ; q gk^T / sqrt(d) + log_weight]) [v ; gv], in float64.
inline ReferenceOutput masked_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                                  const torch::Tensor& visible, const torch::Tensor& gk = {},
                                                  const torch::Tensor& gv = {}, const torch::Tensor& log_weight = {}) {
  const double scale = 1.0 / std::sqrt(double(q.size(3)));
  auto qd = q.to(torch::kFloat64), kd = k.to(torch::kFloat64), vd = v.to(torch::kFloat64);
  auto logits = torch::matmul(qd, kd.transpose(-1, -2)).mul(scale);
  logits = logits.masked_fill(visible.logical_not(), -std::numeric_limits<double>::infinity());
  auto values = vd;
  if (gk.defined()) {
    auto global_logits = torch::matmul(qd, gk.to(torch::kFloat64).transpose(-1, -2)).mul(scale) +
                         log_weight.to(torch::kFloat64);
    logits = torch::cat({logits, global_logits}, -1);
    values = torch::cat({vd, gv.to(torch::kFloat64)}, 2);
  }
  return {torch::matmul(torch::softmax(logits, -1), values), torch::logsumexp(logits, -1)};
}

// Mean of each `group` consecutive tokens, the tail group over what is left; float64.
inline torch::Tensor pool_reference(const torch::Tensor& x, int64_t group) {
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(2); start += group) {
    parts.push_back(x.narrow(2, start, std::min(group, x.size(2) - start)).to(torch::kFloat64).mean(2, true));
  }
  return torch::cat(parts, 2);
}

inline torch::Tensor pool_log_weight_reference(int64_t tokens, int64_t group) {
  std::vector<double> w;
  for (int64_t start = 0; start < tokens; start += group) w.push_back(std::log(double(std::min(group, tokens - start))));
  return torch::tensor(w, torch::kFloat64);
}

// Each row keeps each block with probability `density`, and at least one block.
inline blade::attention::BlockMask random_block_mask(int64_t b, int64_t h, int64_t nq, int64_t nk, double density) {
  auto keep = torch::rand({b, h, nq, nk}) < density;
  auto forced = torch::randint(nk, {b, h, nq, 1}, torch::kInt64);
  keep.scatter_(3, forced, true);
  return blade::attention::BlockMask::from_tensor(keep);
}

}  // namespace blade::test
