#include "core/error.h"
#include "eval/fidelity_metrics.h"
#include "eval/sharpness.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace blade;

namespace {

// SSIM written out with loops in float64, straight from the definition.
double reference_ssim(const torch::Tensor& a, const torch::Tensor& b, double range) {
  const int64_t H = a.size(-2), W = a.size(-1), n = a.numel() / (H * W);
  const auto x = a.reshape({n, H, W}).to(torch::kFloat64).contiguous();
  const auto y = b.reshape({n, H, W}).to(torch::kFloat64).contiguous();
  const auto xa = x.accessor<double, 3>();
  const auto ya = y.accessor<double, 3>();
  double g[11], total = 0;
  for (int i = 0; i < 11; ++i) total += g[i] = std::exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
  for (double& v : g) v /= total;
  const double c1 = (0.01 * range) * (0.01 * range), c2 = (0.03 * range) * (0.03 * range);
  double sum = 0;
  int64_t count = 0;
  for (int64_t p = 0; p < n; ++p)
    for (int64_t i = 0; i + 11 <= H; ++i)
      for (int64_t j = 0; j + 11 <= W; ++j) {
        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int u = 0; u < 11; ++u)
          for (int v = 0; v < 11; ++v) {
            const double w = g[u] * g[v], xv = xa[p][i + u][j + v], yv = ya[p][i + u][j + v];
            mx += w * xv;
            my += w * yv;
            xx += w * xv * xv;
            yy += w * yv * yv;
            xy += w * xv * yv;
          }
        const double vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
        sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        ++count;
      }
  return sum / static_cast<double>(count);
}

double reference_psnr(const torch::Tensor& a, const torch::Tensor& b, double range) {
  const auto x = a.flatten().to(torch::kFloat64).contiguous(), y = b.flatten().to(torch::kFloat64).contiguous();
  const double* px = x.data_ptr<double>();
  const double* py = y.data_ptr<double>();
  double sum = 0;
  for (int64_t i = 0; i < x.numel(); ++i) sum += (px[i] - py[i]) * (px[i] - py[i]);
  return 10 * std::log10(range * range / (sum / static_cast<double>(x.numel())));
}

}  // namespace

class TestEvalMetrics : public QObject {
  Q_OBJECT
 private slots:
  void psnr_matches_a_float64_reference() {
    torch::manual_seed(11);
    for (int trial = 0; trial < 5; ++trial) {
      const auto a = torch::rand({3, 2, 12, 13}) * 2 - 1;
      const auto b = (a + 0.2 * torch::randn({3, 2, 12, 13})).clamp(-1, 1);
      const double expected = reference_psnr(a, b, 2.0);
      QVERIFY(std::abs(eval::psnr(a, b) / expected - 1) < 1e-12);
    }
    const auto a = torch::rand({3, 4, 16, 16}, torch::kFloat64);
    QVERIFY(std::abs(eval::psnr(a, a + 0.1) - 10 * std::log10(4.0 / 0.01)) < 1e-9);  // 26.0206 dB
    QVERIFY(std::isinf(eval::psnr(a, a)));
    QVERIFY(std::abs(eval::psnr(a, a + 0.1, 1.0) - 20.0) < 1e-9);
  }

  void ssim_matches_a_float64_reference() {
    torch::manual_seed(12);
    for (int trial = 0; trial < 3; ++trial) {
      const auto a = torch::rand({3, 2, 14, 17}) * 2 - 1;
      const auto b = (a + (0.1 + 0.3 * trial) * torch::randn({3, 2, 14, 17})).clamp(-1, 1);
      const double expected = reference_ssim(a, b, 2.0);
      const double actual = eval::ssim(a, b);
      QVERIFY2(std::abs(actual - expected) < 1e-12 * std::max(1.0, std::abs(expected)),
               qPrintable(QString("%1 vs %2").arg(actual, 0, 'g', 17).arg(expected, 0, 'g', 17)));
    }
    const auto a = torch::rand({1, 3, 2, 20, 20}) * 2 - 1;
    QVERIFY(std::abs(eval::ssim(a, a) - 1.0) < 1e-12);
    QVERIFY(eval::ssim((a + 1) / 2, (1 - a) / 2, 1.0) < 0.0);  // inverted structure, same brightness
    QVERIFY(eval::ssim(a, a + 0.3 * torch::randn_like(a)) < eval::ssim(a, a + 0.1 * torch::randn_like(a)));
    QVERIFY_THROWS_EXCEPTION(Error, eval::ssim(torch::zeros({3, 10, 10}), torch::zeros({3, 10, 10})));
    QVERIFY_THROWS_EXCEPTION(Error, eval::psnr(torch::zeros({3, 10, 10}), torch::zeros({3, 10, 11})));
  }

  void gradient_energy_and_sharpness() {
    // A vertical step of height 2 in a 4x4 image: one column of differences 2 among 3.
    auto image = torch::zeros({1, 4, 4}, torch::kFloat64);
    image.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(2)}, 2.0);
    QVERIFY(std::abs(eval::gradient_energy(image) - 4.0 / 3.0) < 1e-12);
    const auto blurred = (image + image.roll(1, 2)) / 2;  // spreads the step over two columns
    const auto sharp = eval::sharpness_against(image, image);
    QCOMPARE(sharp.ratio, 1.0);
    const auto soft = eval::sharpness_against(blurred.narrow(2, 1, 3), image.narrow(2, 1, 3));
    QVERIFY(soft.ratio < 0.6 && soft.score == soft.ratio);
    const auto noisy = eval::sharpness_against(image + torch::randn_like(image), image);
    QVERIFY(noisy.ratio > 1.0 && std::abs(noisy.score - 1 / noisy.ratio) < 1e-12);
  }
};

QTEST_APPLESS_MAIN(TestEvalMetrics)
#include "test_eval_metrics.moc"
