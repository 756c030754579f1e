// The small pieces of training arithmetic against closed forms: the shifted sigma density, the flow
// interpolation and its inverses, forward diffusion between noise levels, learning-rate schedules
// the EMA and the checkpoint schedule.

#include "test_tensors.h"
#include "throws.h"
#include "train/ema.h"
#include "train/flow_matching.h"
#include "train/lr_schedule.h"
#include "train/run_schedule.h"

#include <ATen/CPUGeneratorImpl.h>

#include <QtTest>

#include <chrono>
#include <random>
#include <thread>
#include <vector>

using namespace blade;

class TestTrainMath : public QObject {
  Q_OBJECT
 private slots:
  void sigma_density_matches_its_cdf() {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(1);
    for (double shift : {1.0, 3.0, 5.0}) {
      const int64_t n = 200000;
      const auto sigmas = std::get<0>(train::sample_training_sigmas(n, shift, generator).sort());
      QVERIFY(sigmas.min().item<double>() >= 0.0 && sigmas.max().item<double>() < 1.0);
      // F(sigma) = sigma / (s - (s - 1) sigma); Kolmogorov-Smirnov distance of the sample.
      const auto cdf = sigmas / (shift - (shift - 1.0) * sigmas);
      const auto empirical = torch::arange(1, n + 1, torch::kFloat64) / static_cast<double>(n);
      const double ks = (cdf - empirical).abs().max().item<double>();
      QVERIFY2(ks < 0.005, std::to_string(ks).c_str());  // 1.36 / sqrt(n) = 0.003 at 95%
    }
  }

  void timesteps_truncate_like_the_samplers() {
    const auto sigmas = torch::tensor({0.0, 0.0009, 0.5, 0.12345, 0.9999}, torch::kFloat64);
    const auto t = train::timesteps_from_sigmas(sigmas);
    QVERIFY(torch::equal(t, torch::tensor({0.0f, 0.0f, 500.0f, 123.0f, 999.0f})));
  }

  void velocity_inverts_the_interpolation() {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(2);
    const auto x0 = torch::randn({3, 3, 2, 4, 4}, generator, torch::kFloat64);
    const auto noise = torch::randn({3, 3, 2, 4, 4}, generator, torch::kFloat64);
    const auto sigmas = torch::tensor({0.1, 0.5, 0.95}, torch::kFloat64);
    const auto x = train::noisy_sample(x0, noise, sigmas);
    const auto v = noise - x0;
    QVERIFY(test::relative_error(train::x0_from_velocity(x, v, sigmas), x0) < 1e-6);
    QVERIFY(test::relative_error(train::noise_from_velocity(x, v, sigmas), noise) < 1e-6);
    QCOMPARE(train::flow_matching_loss(v, x0, noise).item<double>(), 0.0);
  }

  // The weighted loss is sum(w e^2) / sum(w) over the broadcast weights: per-pixel weights [B, 1, F,
  // H, W] against a float64 reference; uniform weights give the plain mean.
  void weighted_loss_matches_its_float64_reference() {
    const auto predicted = torch::randn({2, 3, 4, 6, 5}, torch::kFloat32);
    const auto x0 = torch::randn({2, 3, 4, 6, 5}, torch::kFloat32);
    const auto noise = torch::randn({2, 3, 4, 6, 5}, torch::kFloat32);
    const auto weights = 1.0 + 3.0 * (torch::rand({2, 1, 4, 6, 5}) > 0.7).to(torch::kFloat32);
    const auto error = (predicted.to(torch::kFloat64) - (noise - x0).to(torch::kFloat64)).square();
    const auto w = weights.to(torch::kFloat64).expand_as(error);
    const double reference = ((w * error).sum() / w.sum()).item<double>();
    const double weighted = train::flow_matching_loss(predicted, x0, noise, weights).item<double>();
    QVERIFY2(std::abs(weighted - reference) / reference < 1e-6, std::to_string(weighted).c_str());
    const double plain = train::flow_matching_loss(predicted, x0, noise).item<double>();
    QVERIFY(std::abs(weighted - plain) / plain > 1e-3);  // the weights matter
    const double uniform = train::flow_matching_loss(predicted, x0, noise, torch::full({2, 1, 4, 6, 5}, 2.5)).item<double>();
    QVERIFY(std::abs(uniform - plain) / plain < 1e-6);
  }

  // sum over pairs of frames of w_pair (e(f+1) - e(f))^2 / sum w_pair, w_pair the larger weight of the
  // two frames, against a float64 loop; an error the same in every frame costs nothing.
  void temporal_difference_loss_matches_its_float64_reference() {
    const auto seed = static_cast<uint64_t>(std::random_device{}());
    qInfo("seed %llu", static_cast<unsigned long long>(seed));
    torch::manual_seed(seed);
    const auto predicted = torch::randn({2, 3, 4, 6, 5}, torch::kFloat32);
    const auto x0 = torch::randn({2, 3, 4, 6, 5}, torch::kFloat32);
    const auto noise = torch::randn({2, 3, 4, 6, 5}, torch::kFloat32);
    const auto weights = 1.0 + 3.0 * (torch::rand({2, 1, 4, 6, 5}) > 0.7).to(torch::kFloat32);
    const auto error = predicted.to(torch::kFloat64) - (noise - x0).to(torch::kFloat64);
    double plain_sum = 0.0, weighted_sum = 0.0, weight_sum = 0.0;
    int64_t count = 0;
    for (int64_t f = 0; f + 1 < 4; ++f) {
      const auto change = (error.select(2, f + 1) - error.select(2, f)).square();  // [2, 3, 6, 5]
      const auto w =
          torch::maximum(weights.select(2, f + 1), weights.select(2, f)).to(torch::kFloat64).expand_as(change);
      plain_sum += change.sum().item<double>();
      weighted_sum += (w * change).sum().item<double>();
      weight_sum += w.sum().item<double>();
      count += change.numel();
    }
    const double plain = train::temporal_difference_loss(predicted, x0, noise).item<double>();
    const double weighted = train::temporal_difference_loss(predicted, x0, noise, weights).item<double>();
    QVERIFY2(std::abs(plain - plain_sum / count) / plain < 1e-6, std::to_string(plain).c_str());
    QVERIFY2(std::abs(weighted - weighted_sum / weight_sum) / weighted < 1e-6, std::to_string(weighted).c_str());

    const auto still_error = torch::randn({2, 3, 1, 6, 5}).expand({2, 3, 4, 6, 5});
    const auto off_by_still = (noise - x0) + still_error;
    QVERIFY(train::flow_matching_loss(off_by_still, x0, noise).item<double>() > 0.1);
    QVERIFY(train::temporal_difference_loss(off_by_still, x0, noise).item<double>() < 1e-10);
    QVERIFY(test::throws_error([&] { train::temporal_difference_loss(predicted.narrow(2, 0, 1), x0, noise); },
                               ErrorKind::InvalidArgument));
  }

  void diffusing_further_gives_the_higher_noise_marginal() {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(3);
    const int64_t n = 400000;
    const double a = 0.3, b = 0.8, x0 = 0.5;
    const auto from = (1.0 - a) * x0 + a * torch::randn({n, 1, 1, 1, 1}, generator, torch::kFloat64);
    const auto z = torch::randn({n, 1, 1, 1, 1}, generator, torch::kFloat64);
    const auto sig_a = torch::full({n}, a, torch::kFloat64);
    const auto sig_b = torch::full({n}, b, torch::kFloat64);
    const auto to = train::diffuse_further(from, z, sig_a, sig_b);
    const double mean = to.mean().item<double>();
    const double std = to.std().item<double>();
    QVERIFY2(std::abs(mean - (1.0 - b) * x0) < 0.005, std::to_string(mean).c_str());
    QVERIFY2(std::abs(std - b) < 0.005, std::to_string(std).c_str());
  }

  void learning_rate_schedules() {
    train::LrSchedule s{.base = 1e-3, .warmup = 4, .decay = train::LrDecay::Cosine, .total = 14, .min_ratio = 0.1};
    QCOMPARE(s.at(0), 2.5e-4);
    QCOMPARE(s.at(3), 1e-3);
    QCOMPARE(s.at(4), 1e-3);
    QVERIFY(std::abs(s.at(9) - 1e-3 * (0.1 + 0.9 * 0.5)) < 1e-15);
    QVERIFY(std::abs(s.at(14) - 1e-4) < 1e-15);
    QVERIFY(std::abs(s.at(100) - 1e-4) < 1e-15);
    s.decay = train::LrDecay::Constant;
    QCOMPARE(s.at(100), 1e-3);
  }

  void ema_follows_its_formula() {
    auto p = torch::tensor({1.0f, -2.0f});
    train::EmaWeights ema({{"p", p}}, 0.99);
    QCOMPARE(ema.decay_at(0), 0.1);
    QCOMPARE(ema.decay_at(1000), 0.99);
    double expected0 = 1.0;
    for (int64_t n = 0; n < 50; ++n) {
      p.add_(0.5f);
      ema.update({{"p", p}}, n);
      const double d = ema.decay_at(n);
      expected0 = d * expected0 + (1.0 - d) * p[0].item<double>();
    }
    QVERIFY(std::abs(ema.averages()[0].second[0].item<double>() - expected0) < 1e-4);
  }

  void checkpoints_come_by_count_or_by_time() {
    train::RunSchedule by_count(3, 60.0, 0.0);
    QVERIFY(!by_count.out_of_time());
    QVERIFY(!by_count.checkpoint_due(1));
    QVERIFY(!by_count.checkpoint_due(2));
    QVERIFY(by_count.checkpoint_due(3));
    QVERIFY(!by_count.checkpointed(3));  // due, not yet written
    by_count.checkpoint_written(3);
    QVERIFY(by_count.checkpointed(3));
    QVERIFY(!by_count.checkpoint_due(4));
    QVERIFY(!by_count.checkpointed(4));  // the run's end must write one

    // No count, zero minutes between checkpoints: every iteration is due; zero max minutes never stop.
    train::RunSchedule by_time(0, 0.0, 0.0);
    QVERIFY(by_time.checkpoint_due(1) && by_time.checkpoint_due(2));
    // The interval restarts when a checkpoint is written, not when it was found due.
    train::RunSchedule interval(0, 0.5 / 60.0, 0.0);  // half a second
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    QVERIFY(interval.checkpoint_due(1));
    interval.checkpoint_written(1);
    QVERIFY(!interval.checkpoint_due(2));
    train::RunSchedule never(0, 60.0, 0.0);
    QVERIFY(!never.checkpoint_due(5));
    QVERIFY(!never.out_of_time());
    const train::RunSchedule short_run(0, 60.0, 1e-6);  // 60 microseconds
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    QVERIFY(short_run.out_of_time());
  }

  // What the training loops call: a checkpoint whenever one is due, and one at the end only when
  // the last iteration has none yet.
  void loops_checkpoint_when_due_and_at_the_end() {
    for (const int64_t last : {5, 6}) {
      train::RunSchedule schedule(3, 60.0, 0.0);
      std::vector<int64_t> saved;
      int64_t iteration = 0;
      auto save = [&] { saved.push_back(iteration); };
      for (iteration = 1; iteration <= last; ++iteration) {
        QCOMPARE(schedule.checkpoint_if_due(iteration, save), iteration % 3 == 0);
      }
      iteration = last;
      schedule.checkpoint_at_end(iteration, save);
      QCOMPARE(saved, last == 5 ? (std::vector<int64_t>{3, 5}) : (std::vector<int64_t>{3, 6}));
      QVERIFY(schedule.checkpointed(last));
    }
  }
};

QTEST_GUILESS_MAIN(TestTrainMath)
#include "test_train_math.moc"
