// UniPC and Euler trajectories against diffusers' schedulers fed the same model outputs
// (tests/fixtures/reference/sampler.json + sampler.safetensors), exactness on a straight flow,
// classifier-free guidance and the step checks.

#include "expect_error.h"
#include "io/weight_store.h"
#include "sampling/guidance.h"
#include "sampling/sampler.h"
#include "test_tensors.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>
#include <limits>

using namespace blade;
using namespace blade::sampling;

namespace {

torch::Tensor reference(const std::string& name) {
  static const auto store = io::WeightStore::open(test::fixture("reference/sampler.safetensors"));
  return store.load(name);
}

Schedule schedule_for(SamplerKind kind, int steps, double shift) {
  return kind == SamplerKind::UniPC ? make_schedule(ScheduleKind::Diffusers, steps, shift)
                                    : make_euler_schedule(steps, shift);
}

// Runs one reference trajectory in `dtype`; returns the worst relative error over its steps.
double trajectory_error(const nlohmann::json& setting, torch::Dtype dtype) {
  const auto name = setting["scheduler"].get<std::string>();
  const int steps = setting["steps"].get<int>();
  const auto schedule = schedule_for(parse_sampler_kind(name), steps, setting["shift"].get<double>());
  if (schedule.sigmas != setting["sigmas"].get<std::vector<double>>()) return std::numeric_limits<double>::infinity();
  auto sampler = make_sampler(parse_sampler_kind(name), schedule);
  auto x = reference(fmt::format("x_init_{}", steps)).to(dtype);
  double worst = 0.0;
  for (int i = 0; i < steps; ++i) {
    x = sampler->step(reference(fmt::format("model_output_{}_{}", steps, i)).to(dtype), i, x);
    if (x.scalar_type() != dtype) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, test::relative_error(x, reference(fmt::format("{}_{}_{}", name, steps, i))));
  }
  return worst;
}

}  // namespace

class TestSamplers : public QObject {
  Q_OBJECT
 private slots:
  void trajectories_match_diffusers() {
    std::ifstream in(test::fixture("reference/sampler.json"));
    const auto settings = nlohmann::json::parse(in);
    QCOMPARE(settings.size(), size_t(4));
    for (const auto& setting : settings) {
      const auto& config = setting["config"];
      if (setting["scheduler"] == "unipc") {  // the configuration UniPCSampler implements
        QCOMPARE(config["solver_type"].get<std::string>(), std::string("bh2"));
        QCOMPARE(config["solver_order"].get<int>(), 2);
        QVERIFY(config["lower_order_final"].get<bool>() && config["predict_x0"].get<bool>());
        QVERIFY(config["disable_corrector"].empty());
      }
      const double error64 = trajectory_error(setting, torch::kFloat64);
      const double error32 = trajectory_error(setting, torch::kFloat32);
      qInfo("%s, %d steps, shift %g: worst relative error %.3g (float64), %.3g (float32)",
            setting["scheduler"].get<std::string>().c_str(), setting["steps"].get<int>(),
            setting["shift"].get<double>(), error64, error32);
      QVERIFY2(error64 <= 1e-5, qPrintable(QString::number(error64)));
      QVERIFY2(error32 <= 1e-5, qPrintable(QString::number(error32)));
    }
  }

  // With the true velocity of a straight path x = (1 - sigma) x0 + sigma noise, both samplers land on
  // the path at every sigma (UniPC's x0 predictions are all equal, so its higher-order terms vanish).
  void straight_flow_is_followed_exactly() {
    torch::manual_seed(7);
    const auto x0 = torch::randn({2, 4, 3, 5, 5}, torch::kFloat64);
    const auto noise = torch::randn_like(x0);
    for (const auto kind : {SamplerKind::UniPC, SamplerKind::Euler}) {
      for (int steps : {1, 2, 5, 20}) {
        auto sampler = make_sampler(kind, schedule_for(kind, steps, 5.0));
        const auto& sigmas = sampler->schedule().sigmas;
        auto x = (1 - sigmas[0]) * x0 + sigmas[0] * noise;
        double worst = 0.0;
        for (int i = 0; i < steps; ++i) {
          x = sampler->step(noise - x0, i, x);
          worst = std::max(worst, test::relative_error(x, (1 - sigmas[i + 1]) * x0 + sigmas[i + 1] * noise));
        }
        QVERIFY2(worst <= 1e-6, qPrintable(QString("%1, %2 steps: %3").arg(to_string(kind).c_str()).arg(steps).arg(worst)));
      }
    }
  }

  void guidance_is_the_cfg_formula() {
    torch::manual_seed(11);
    const auto cond = torch::randn({1, 16, 3, 4, 4});
    const auto uncond = torch::randn({1, 16, 3, 4, 4});
    for (double scale : {0.0, 1.0, 5.0, 7.5}) {
      const auto expected = uncond.to(torch::kFloat64) + scale * (cond.to(torch::kFloat64) - uncond.to(torch::kFloat64));
      const double error = test::relative_error(apply_guidance(cond, uncond, scale), expected);
      QVERIFY2(error <= 1e-6, qPrintable(QString("scale %1: %2").arg(scale).arg(error)));
    }
    QVERIFY(test::relative_error(apply_guidance(cond, uncond, 1.0), cond) <= 1e-7);  // rounding only
    QVERIFY(torch::equal(apply_guidance(cond, uncond, 0.0), uncond));
    test::expect_error(ErrorKind::InvalidArgument, {"[1, 16, 3, 4, 3]", "[1, 16, 3, 4, 4]"},
                       [&] { apply_guidance(cond.narrow(4, 0, 3), uncond, 5.0); });
    test::expect_error(ErrorKind::InvalidArgument, {"guidance", "nan"},
                       [&] { apply_guidance(cond, uncond, std::numeric_limits<double>::quiet_NaN()); });
    test::expect_error(ErrorKind::InvalidArgument, {"unconditional"}, [&] { apply_guidance(cond, {}, 5.0); });
  }

  void x0_prediction() {
    torch::manual_seed(3);
    const auto x = torch::randn({2, 3}, torch::kFloat64);
    const auto v = torch::randn({2, 3}, torch::kFloat64);
    QVERIFY(test::relative_error(Sampler::predict_x0(v, 0.25, x), x - 0.25 * v) <= 1e-15);
  }

  void bad_steps_are_invalid() {
    const auto x = torch::zeros({1, 4, 2, 2});
    auto unipc = make_sampler(SamplerKind::UniPC, make_schedule(ScheduleKind::Diffusers, 4, 3.0));
    test::expect_error(ErrorKind::InvalidArgument, {"index 1", "next step is 0"}, [&] { unipc->step(x, 1, x); });
    test::expect_error(ErrorKind::InvalidArgument, {"[1, 4, 2, 1]", "[1, 4, 2, 2]"},
                       [&] { unipc->step(x.narrow(3, 0, 1), 0, x); });
    test::expect_error(ErrorKind::InvalidArgument, {"floating point"},
                       [&] { unipc->step(x.to(torch::kLong), 0, x.to(torch::kLong)); });
    auto euler = make_sampler(SamplerKind::Euler, make_euler_schedule(4, 3.0));
    test::expect_error(ErrorKind::InvalidArgument, {"index 4", "4 steps"}, [&] { euler->step(x, 4, x); });
    test::expect_error(ErrorKind::InvalidArgument, {"index -1"}, [&] { euler->step(x, -1, x); });
    test::expect_error(ErrorKind::InvalidArgument, {"model output"}, [&] { euler->step({}, 0, x); });
  }

  void bad_schedules_are_refused() {
    // The Euler schedule starts at sigma 1, where UniPC's log(1 - sigma) is -inf.
    test::expect_error(ErrorKind::InvalidArgument, {"unipc", "below 1"},
                       [] { make_sampler(SamplerKind::UniPC, make_euler_schedule(4, 3.0)); });
    Schedule rising{{0.5, 0.7, 0.0}, {500, 700}};
    test::expect_error(ErrorKind::InvalidArgument, {"decrease", "0.7"},
                       [&] { make_sampler(SamplerKind::Euler, rising); });
    Schedule short_one{{0.5}, {500}};
    test::expect_error(ErrorKind::InvalidArgument, {"steps + 1 sigmas"},
                       [&] { make_sampler(SamplerKind::Euler, short_one); });
    test::expect_error(ErrorKind::InvalidArgument, {"'ddim'", "unipc", "euler"}, [] { parse_sampler_kind("ddim"); });
    QCOMPARE(parse_sampler_kind("UniPC"), SamplerKind::UniPC);
  }
};

QTEST_APPLESS_MAIN(TestSamplers)
#include "test_samplers.moc"
