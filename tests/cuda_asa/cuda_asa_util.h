#pragma once
// Shared pieces of the ASA CUDA tests: the cases, NaN poisoning and error measures.

#include "check.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace blade::test {

inline std::string dtype_label(torch::Dtype dtype) { return dtype == torch::kBFloat16 ? "bf16" : "fp16"; }

// Tolerance of a relative error for outputs computed with 16-bit operands.
inline double tolerance(torch::Dtype dtype) { return dtype == torch::kBFloat16 ? 1e-2 : 3e-3; }

// Fills freed memory of the CUDA caching allocator with NaN, so that a kernel output it hands out
// next (torch::empty) and that the kernel fails to write shows up as NaN.
inline void poison_allocator() {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kFloat32);
  std::vector<torch::Tensor> blocks;
  for (int64_t elements : {int64_t{64} << 20, int64_t{4} << 20, int64_t{1} << 20}) {
    blocks.push_back(torch::full({elements}, std::numeric_limits<float>::quiet_NaN(), options));
  }
  for (int i = 0; i < 64; ++i) blocks.push_back(torch::full({int64_t{16} << 10}, NAN, options));
  for (int i = 0; i < 64; ++i) blocks.push_back(torch::full({int64_t{1} << 10}, NAN, options));
  torch::cuda::synchronize();
}

inline bool all_finite(const torch::Tensor& t) { return torch::isfinite(t.to(torch::kCPU, torch::kFloat64)).all().item<bool>(); }

inline double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kCPU, torch::kFloat64) - b.to(torch::kCPU, torch::kFloat64)).abs().max().item<double>();
}

inline bool require_cuda() {
  BLADE_CHECK(torch::cuda::is_available(), "no CUDA device: this test must run on a GPU machine");
  return torch::cuda::is_available();
}

}  // namespace blade::test
