// The TDM sampler: the timesteps a student is distilled at, the re-noising step against its
// float64 formula, the statistics of the fresh noise, determinism per seed, and its errors.

#include "core/error.h"
#include "expect_error.h"
#include "sampling/sampler.h"
#include "test_tensors.h"

#include <QtTest>

#include <cmath>

using namespace blade;
using namespace blade::sampling;

namespace {

std::unique_ptr<Sampler> tdm(int steps, double eta, uint64_t seed) {
  return make_sampler(parse_sampler_kind("tdm"), make_tdm_schedule(steps), {eta, seed});
}

}  // namespace

class TestTdmSampler : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::manual_seed(static_cast<uint64_t>(QRandomGenerator::global()->generate())); }

  void schedule_is_the_distillation_timesteps() {
    const auto eight = make_tdm_schedule(8);
    QCOMPARE(eight.timesteps, (std::vector<int64_t>{999, 874, 749, 624, 499, 374, 249, 124}));
    const auto four = make_tdm_schedule(4);
    QCOMPARE(four.timesteps, (std::vector<int64_t>{999, 749, 499, 249}));
    QCOMPARE(four.sigmas, (std::vector<double>{0.999, 0.749, 0.499, 0.249, 0.0}));
    QCOMPARE(make_tdm_schedule(1).timesteps, (std::vector<int64_t>{999}));
  }

  // eta = 1 uses no fresh noise: x' = (1 - s') x0 + s' eps with x0 = x - s v, eps = x + (1 - s) v.
  void eta_one_step_equals_the_float64_formula() {
    auto x = torch::randn({1, 3, 5, 8, 8}), v = torch::randn_like(x);
    auto sampler = tdm(4, 1.0, 7);
    const double s = 0.999, next = 0.749;
    auto xd = x.to(torch::kFloat64), vd = v.to(torch::kFloat64);
    auto want = (1 - next) * (xd - s * vd) + next * (xd + (1 - s) * vd);
    auto got = sampler->step(v, 0, x);
    QCOMPARE(got.scalar_type(), torch::kFloat32);
    QVERIFY(test::relative_error(got, want) <= 1e-6);
  }

  // The part of x' that is not x0 and the predicted noise is next * sqrt(1 - eta^2) * N(0, 1).
  void fresh_noise_is_standard_normal_and_seeded() {
    const double eta = 0.6, s = 0.999, next = 0.749;
    auto x = torch::randn({1, 3, 9, 64, 64}, torch::kFloat64), v = torch::randn_like(x);
    auto got = tdm(4, eta, 11)->step(v, 0, x);
    QCOMPARE(got.scalar_type(), torch::kFloat64);
    auto deterministic = (1 - next) * (x - s * v) + next * eta * (x + (1 - s) * v);
    auto z = (got - deterministic) / (next * std::sqrt(1 - eta * eta));
    QVERIFY2(std::abs(z.mean().item<double>()) < 0.02, qPrintable(QString::number(z.mean().item<double>())));
    QVERIFY2(std::abs(z.std().item<double>() - 1.0) < 0.02, qPrintable(QString::number(z.std().item<double>())));
    // The fresh noise is not the sample's own noise (drawn from the same seed by the pipeline).
    auto initial = at::randn(x.sizes(), at::detail::createCPUGenerator(11), torch::kFloat64);
    QVERIFY(std::abs((z * initial).mean().item<double>()) < 0.02);
    QVERIFY(torch::equal(got, tdm(4, eta, 11)->step(v, 0, x)));
    QVERIFY(!torch::equal(got, tdm(4, eta, 12)->step(v, 0, x)));
  }

  void last_step_returns_the_x0_prediction() {
    auto x = torch::randn({1, 3, 1, 8, 8}), v = torch::randn_like(x);
    auto sampler = tdm(2, 0.9, 3);
    auto middle = sampler->step(v, 0, x);
    auto last = sampler->step(v, 1, middle);
    QVERIFY(torch::allclose(last, middle - 0.499 * v, 1e-6, 1e-6));
  }

  // A model that knows x0 and eps (v = eps - x0) recovers x0 for any eta: every re-noised state is
  // (1 - s) x0 + s eps' for some eps', and the model is given the matching velocity.
  void perfect_model_ends_at_its_x0() {
    auto x0 = torch::randn({1, 3, 5, 8, 8}, torch::kFloat64);
    auto x = torch::randn_like(x0);
    auto sampler = tdm(4, 0.5, 5);
    const auto& sigmas = sampler->schedule().sigmas;
    for (int i = 0; i < 4; ++i) {
      auto eps = (x - (1 - sigmas[i]) * x0) / sigmas[i];
      x = sampler->step(eps - x0, i, x);
    }
    QVERIFY(test::relative_error(x, x0) <= 1e-12);
  }

  void bad_arguments_are_refused() {
    test::expect_error(ErrorKind::InvalidArgument, {"eta", "1.5"}, [] { tdm(4, 1.5, 0); });
    test::expect_error(ErrorKind::InvalidArgument, {"eta"}, [] { tdm(4, -0.1, 0); });
    test::expect_error(ErrorKind::InvalidArgument, {"steps", "0"}, [] { make_tdm_schedule(0); });
    test::expect_error(ErrorKind::InvalidArgument, {"unipc, euler, tdm"}, [] { parse_sampler_kind("ddim"); });
    QCOMPARE(to_string(SamplerKind::Tdm), std::string("tdm"));
  }
};

QTEST_APPLESS_MAIN(TestTdmSampler)
#include "test_tdm_sampler.moc"
