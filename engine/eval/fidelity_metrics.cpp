#include "eval/fidelity_metrics.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <cmath>
#include <limits>

namespace blade::eval {
namespace {

constexpr int64_t kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kK1 = 0.01, kK2 = 0.03;

void check_pair(const torch::Tensor& a, const torch::Tensor& b, const char* metric) {
  if (a.sizes() != b.sizes() || a.dim() < 2) {
    fail(ErrorKind::InvalidArgument, "expected two clips of the same shape (at least 2-D) for {}, got {} and {}", metric,
         shape_string(a.sizes()), shape_string(b.sizes()));
  }
}

// [n, 1, H, W] -> Gaussian-weighted local means [n, 1, H-10, W-10], separable.
torch::Tensor filter(const torch::Tensor& planes, const torch::Tensor& row, const torch::Tensor& column) {
  return torch::conv2d(torch::conv2d(planes, row), column);
}

}  // namespace

double psnr(const torch::Tensor& a, const torch::Tensor& b, double data_range) {
  check_pair(a, b, "PSNR");
  const double mse = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).square().mean().item<double>();
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / mse);
}

double ssim(const torch::Tensor& a, const torch::Tensor& b, double data_range) {
  check_pair(a, b, "SSIM");
  const int64_t H = a.size(-2), W = a.size(-1);
  if (H < kWindow || W < kWindow) {
    fail(ErrorKind::InvalidArgument, "expected image planes of at least {}x{} for SSIM, got {}x{}", kWindow, kWindow, W, H);
  }
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor x = a.detach().to(torch::kCPU, torch::kFloat64).reshape({-1, 1, H, W});
  const torch::Tensor y = b.detach().to(torch::kCPU, torch::kFloat64).reshape({-1, 1, H, W});
  torch::Tensor g = torch::arange(kWindow, options) - (kWindow - 1) / 2.0;
  g = torch::exp(-g.square() / (2 * kSigma * kSigma));
  g = g / g.sum();
  const torch::Tensor row = g.view({1, 1, 1, kWindow}), column = g.view({1, 1, kWindow, 1});

  const torch::Tensor mu_x = filter(x, row, column), mu_y = filter(y, row, column);
  const torch::Tensor var_x = filter(x * x, row, column) - mu_x.square();
  const torch::Tensor var_y = filter(y * y, row, column) - mu_y.square();
  const torch::Tensor cov = filter(x * y, row, column) - mu_x * mu_y;
  const double c1 = std::pow(kK1 * data_range, 2), c2 = std::pow(kK2 * data_range, 2);
  const torch::Tensor map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) /
                            ((mu_x.square() + mu_y.square() + c1) * (var_x + var_y + c2));
  return map.mean().item<double>();
}

}  // namespace blade::eval
