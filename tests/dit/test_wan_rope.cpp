// Wan 3D RoPE and the timestep sinusoid against scalar float64 references written from wan21.md.

#include "models/dit/wan_rope.h"
#include "test_tensors.h"

#include <QtTest>

#include <cmath>
#include <complex>

using namespace blade::models;

namespace {

// Rotates x [B, L, heads, d] (float64) pair by pair with std::complex, angles from the spec:
// t gets d - 4*(d/6) real dims, h and w 2*(d/6) each; angle = position * 10000^(-2j / d_axis).
torch::Tensor reference_rope(const torch::Tensor& x, int64_t frames, int64_t height, int64_t width) {
  const int64_t d = x.size(3);
  const int64_t axis_dims[3] = {d - 4 * (d / 6), 2 * (d / 6), 2 * (d / 6)};
  auto out = torch::empty_like(x);
  auto in_a = x.accessor<double, 4>();
  auto out_a = out.accessor<double, 4>();
  for (int64_t b = 0; b < x.size(0); ++b) {
    for (int64_t n = 0; n < x.size(1); ++n) {
      const int64_t positions[3] = {n / (height * width), (n / width) % height, n % width};
      for (int64_t head = 0; head < x.size(2); ++head) {
        int64_t pair = 0;
        for (int axis = 0; axis < 3; ++axis) {
          for (int64_t j = 0; j < axis_dims[axis] / 2; ++j, ++pair) {
            const double angle = positions[axis] * std::pow(10000.0, -2.0 * j / axis_dims[axis]);
            const std::complex<double> value(in_a[b][n][head][2 * pair], in_a[b][n][head][2 * pair + 1]);
            const auto rotated = value * std::polar(1.0, angle);
            out_a[b][n][head][2 * pair] = rotated.real();
            out_a[b][n][head][2 * pair + 1] = rotated.imag();
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

class TestWanRope : public QObject {
  Q_OBJECT
 private slots:
  void axis_split_follows_the_spec() {
    QVERIFY((wan_rope_axis_dims(128) == std::array<int64_t, 3>{44, 42, 42}));
    QVERIFY((wan_rope_axis_dims(12) == std::array<int64_t, 3>{4, 4, 4}));
  }

  void rotation_matches_complex_reference() {
    torch::manual_seed(7);
    for (int64_t head_dim : {12, 20, 128}) {
      const int64_t frames = 3, height = 4, width = 5, tokens = frames * height * width;
      const auto x = torch::randn({2, tokens, 3, head_dim}, torch::kFloat64);
      const auto factors = wan_rope_factors({frames, height, width}, head_dim, torch::kCPU);
      QCOMPARE(factors.scalar_type(), torch::kComplexDouble);
      const auto expected = reference_rope(x, frames, height, width);
      const double error64 = blade::test::relative_error(apply_wan_rope(x, factors, torch::kFloat64), expected);
      QVERIFY2(error64 <= 1e-13, qPrintable(QString("head_dim %1: %2").arg(head_dim).arg(error64)));
      const auto out32 = apply_wan_rope(x.to(torch::kFloat32), factors, torch::kFloat32);
      QCOMPARE(out32.scalar_type(), torch::kFloat32);
      const double error32 = blade::test::relative_error(out32, expected);
      QVERIFY2(error32 <= 1e-6, qPrintable(QString("head_dim %1 fp32: %2").arg(head_dim).arg(error32)));
    }
  }

  void sinusoid_is_cos_first_in_float64() {
    const auto t = torch::tensor({0.0, 421.0, 999.0}, torch::kFloat32);
    const auto s = wan_timestep_sinusoid(t, 256);
    QCOMPARE(s.scalar_type(), torch::kFloat64);
    QCOMPARE(s.sizes(), (c10::IntArrayRef{3, 256}));
    auto expected = torch::empty({3, 256}, torch::kFloat64);
    auto e = expected.accessor<double, 2>();
    const double times[3] = {0.0, 421.0, 999.0};
    for (int r = 0; r < 3; ++r) {
      for (int k = 0; k < 128; ++k) {
        const double angle = times[r] * std::pow(10000.0, -k / 128.0);
        e[r][k] = std::cos(angle);
        e[r][128 + k] = std::sin(angle);
      }
    }
    QVERIFY(blade::test::relative_error(s, expected) <= 1e-14);
  }
};

QTEST_APPLESS_MAIN(TestWanRope)
#include "test_wan_rope.moc"
