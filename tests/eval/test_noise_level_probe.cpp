// blade noise-levels' engine on tiny models: at sigma 0 it judges the world's own clips; with a DiT
// whose output projection is zero (velocity 0, so x0 = x) it judges exactly the noised clip
// (1 - sigma) x + sigma noise from the seed's noise, whatever the context; bad options and folders
// are refused with the option named.

#include "core/error.h"
#include "eval/model_eval/clip_scores.h"
#include "eval/model_eval/held_out_prompts.h"
#include "eval/model_eval/noise_level_probe.h"
#include "expect_error.h"
#include "tiny_model_folders.h"
#include "train/pixel_model_folder.h"
#include "world/renderer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace blade;
namespace fs = std::filesystem;

namespace {

constexpr int kPrompts = 3;

torch::Tensor as_eight_bit(const torch::Tensor& video) {
  return ((video.clamp(-1.0, 1.0) + 1.0) * 127.5).round() / 127.5 - 1.0;
}

// The mean judge quality of the held-out prompts' clips made from their world renderings by `make`.
double expected_quality(const std::function<torch::Tensor(const torch::Tensor&)>& make) {
  const auto prompts = eval::held_out_prompts(kPrompts);
  std::vector<world::Scene> scenes;
  for (const auto& p : prompts) scenes.push_back(p.scene);
  const auto clips = make(world::render_scenes(scenes, test::kEvalClip));
  double sum = 0.0;
  for (int i = 0; i < kPrompts; ++i) sum += eval::score_clip(clips[i], prompts[static_cast<size_t>(i)].text).attributes.overall;
  return sum / kPrompts;
}

}  // namespace

class TestNoiseLevelProbe : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  fs::path model_, still_model_;
  uint64_t seed_ = 0;

 private slots:
  void initTestCase() {
    torch::set_num_threads(1);
    QVERIFY(dir_.isValid());
    seed_ = std::random_device{}();
    qInfo("noise seed %llu", static_cast<unsigned long long>(seed_));
    const fs::path root = dir_.path().toStdString();
    const int64_t vocab = test::write_eval_tokenizer(root / "spiece.model");
    model_ = root / "teacher";
    test::write_tiny_model(model_, root / "spiece.model", vocab, seed_, test::teacher_entry());

    // The same model with a zero output projection: its velocity is 0 for every input.
    still_model_ = root / "still";
    auto loaded = train::load_pixel_model(model_);
    {
      torch::NoGradGuard no_grad;
      for (auto& item : loaded.dit->named_parameters()) {
        if (item.key().rfind("proj_out.", 0) == 0) item.value().zero_();
      }
    }
    train::ModelExport still;
    still.name = "still";
    still.config = loaded.config;
    still.transformer = train::named_parameters_of(*loaded.dit, "");
    still.text_encoder = train::named_parameters_of(*loaded.text_encoder, "");
    still.tokenizer_model = loaded.tokenizer_model;
    still.blade = test::teacher_entry();
    still.storage = train::WeightStorage::F32;
    train::export_model_folder(still, still_model_);
  }

  void sigma_zero_judges_the_worlds_own_clips() {
    eval::NoiseLevelOptions options;
    options.sigmas = {0.0};
    options.prompts = kPrompts;
    options.seed = seed_;
    const auto rows = eval::probe_noise_levels(model_, options);
    QCOMPARE(rows.size(), size_t{2});
    QVERIFY(rows[0].conditioned && !rows[1].conditioned);
    const double expected = expected_quality(as_eight_bit);
    QVERIFY(expected > 0.9);
    for (const auto& row : rows) {
      QCOMPARE(row.clips, kPrompts);
      QCOMPARE(row.accuracy.overall, expected);
    }
  }

  void a_still_velocity_gives_back_the_noised_clip() {
    eval::NoiseLevelOptions options;
    options.sigmas = {0.3, 0.6};
    options.prompts = kPrompts;
    options.seed = seed_;
    options.batch = 2;  // a batch boundary inside the prompts
    std::vector<eval::NoiseLevelClip> clips;
    const auto rows = eval::probe_noise_levels(still_model_, options,
                                               {.on_clip = [&](const eval::NoiseLevelClip& c) { clips.push_back(c); }});
    QCOMPARE(rows.size(), size_t{4});
    QCOMPARE(clips.size(), size_t{4 * kPrompts});

    const auto prompts = eval::held_out_prompts(kPrompts);
    std::vector<world::Scene> scenes;
    for (const auto& p : prompts) scenes.push_back(p.scene);
    const auto clean = world::render_scenes(scenes, test::kEvalClip);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed_);
    const auto noise = torch::randn(clean.sizes(), generator, torch::kFloat32);
    for (const auto& clip : clips) {
      const auto expected = as_eight_bit((1.0 - clip.sigma) * clean[clip.prompt] + clip.sigma * noise[clip.prompt]);
      // One 8-bit level at most, where float rounding lands on the other side of a half level.
      const double worst = (clip.video - expected).abs().max().item<double>();
      QVERIFY2(worst <= 1.0 / 127.5 + 1e-6, qPrintable(QString("sigma %1 prompt %2: %3").arg(clip.sigma).arg(clip.prompt).arg(worst)));
      QVERIFY((clip.video - expected).abs().gt(1e-6).to(torch::kFloat32).mean().item<double>() < 1e-3);
    }
    for (size_t level = 0; level < 2; ++level) {
      QCOMPARE(rows[2 * level].sigma, options.sigmas[level]);
      QCOMPARE(rows[2 * level].accuracy.overall, rows[2 * level + 1].accuracy.overall);  // the context is not used
    }
  }

  void bad_options_and_folders_are_refused() {
    for (const double sigma : {-0.1, 1.5}) {
      eval::NoiseLevelOptions options;
      options.sigmas = {0.5, sigma};
      test::expect_error(ErrorKind::InvalidArgument, {"[0, 1]"}, [&] { eval::probe_noise_levels(model_, options); });
    }
    eval::NoiseLevelOptions none;
    none.prompts = 0;
    test::expect_error(ErrorKind::InvalidArgument, {"prompt"}, [&] { eval::probe_noise_levels(model_, none); });
    QTemporaryDir empty;
    test::expect_error(ErrorKind::BadWeights, {empty.path().toStdString()},
                       [&] { eval::probe_noise_levels(empty.path().toStdString(), {}); });
  }
};

QTEST_GUILESS_MAIN(TestNoiseLevelProbe)
#include "test_noise_level_probe.moc"
