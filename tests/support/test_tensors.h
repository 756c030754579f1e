#pragma once
// Helpers shared by the numeric tests: fixture paths and relative error on whole tensors.

#include <torch/torch.h>

#include <filesystem>
#include <string>

namespace blade::test {

inline std::filesystem::path fixtures_dir() { return BLADE_FIXTURES_DIR; }
inline std::filesystem::path fixture(const std::string& relative) { return fixtures_dir() / relative; }

// ||actual - expected|| / ||expected||, computed in float64. NaN in either gives +inf.
inline double relative_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  const auto a = actual.detach().to(torch::kCPU, torch::kFloat64);
  const auto e = expected.detach().to(torch::kCPU, torch::kFloat64);
  if (a.sizes() != e.sizes()) return std::numeric_limits<double>::infinity();
  if (!torch::isfinite(a).all().item<bool>() || !torch::isfinite(e).all().item<bool>()) {
    return std::numeric_limits<double>::infinity();
  }
  const double denom = e.norm().item<double>();
  const double num = (a - e).norm().item<double>();
  return denom == 0.0 ? num : num / denom;
}

}  // namespace blade::test
