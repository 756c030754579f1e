// Model presets, random weights of the true shapes, and the pipeline benchmark's bookkeeping (on
// the tiny preset: the GPU numbers come from `blade bench pipeline` on the GPU machine).

#include "core/error.h"
#include "models/dit/wan_dit.h"
#include "pipeline/pipeline_benchmark.h"
#include "expect_error.h"
#include "test_tensors.h"

#include <QtTest>

#include <fstream>
#include <regex>

using namespace blade;

namespace {

// "original (d0, d1, ...) -> diffusers" lines of the released 1.3B DiT: diffusers name -> shape.
std::map<std::string, std::vector<int64_t>> released_dit_shapes() {
  std::ifstream in(BLADE_DIT_KEY_LIST);
  std::map<std::string, std::vector<int64_t>> shapes;
  const std::regex line_pattern(R"(^\S+ \(([0-9, ]*)\) -> (\S+)$)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (!std::regex_match(line, match, line_pattern)) continue;
    std::vector<int64_t> shape;
    std::stringstream dims(match[1].str());
    std::string dim;
    while (std::getline(dims, dim, ',')) {
      if (dim.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(dim));
    }
    shapes[match[2].str()] = shape;
  }
  return shapes;
}

}  // namespace

class TestPipelineBenchmark : public QObject {
  Q_OBJECT
 private slots:
  void the_1_3b_preset_has_every_released_tensor_with_its_shape() {
    const auto released = released_dit_shapes();
    QCOMPARE(released.size(), size_t(825));
    const auto preset = pipeline::model_preset("wan2.1-t2v-1.3b");
    // On the meta device: shapes without memory.
    models::WanDiT dit(preset.dit, models::WanDiTPlacement{torch::kMeta, torch::kBFloat16, true});
    const auto parameters = dit->named_parameters();
    QCOMPARE(parameters.size(), released.size());
    int64_t count = 0;
    for (const auto& item : parameters) {
      const auto found = released.find(item.key());
      QVERIFY2(found != released.end(), item.key().c_str());
      QCOMPARE(item.value().sizes().vec(), found->second);
      count += item.value().numel();
    }
    QVERIFY2(count > 1'400'000'000 && count < 1'450'000'000, qPrintable(QString::number(count)));
  }

  void every_row_seeds_its_probe_alike() {
    pipeline::GenerationRequest base;
    base.seed = 1234;
    const auto settings = pipeline::blade_bench_settings(0.8, 8, 50);
    for (const auto& setting : settings) {
      const auto request = pipeline::bench_request(base, setting, 17);
      QCOMPARE(request.frames, 17);
      QCOMPARE(request.steps, setting.steps);
      QVERIFY(request.attention.asa.seed.has_value());
      QCOMPARE(*request.attention.asa.seed, uint64_t{1234});
    }
    auto seeded = settings.back();
    seeded.attention.asa.seed = 7;  // a setting's own probe seed is kept
    QCOMPARE(*pipeline::bench_request(base, seeded, 17).attention.asa.seed, uint64_t{7});
  }

  void unknown_preset_lists_the_known_ones() {
    test::expect_error(ErrorKind::InvalidArgument, {"wan2.2", "wan2.1-t2v-1.3b"}, [] { pipeline::model_preset("wan2.2"); });
  }

  void random_weights_give_a_finite_clip() {
    auto model = pipeline::WanModel::with_random_weights(pipeline::model_preset("wan-tiny"), torch::kCPU, torch::kFloat32,
                                                         test::fixture("wan-tiny/tokenizer/spiece.model"));
    pipeline::Pipeline pipe(model);
    pipeline::GenerationRequest request;
    request.prompt = "a lighthouse";
    request.steps = 2;
    request.frames = 5;
    request.width = request.height = 32;
    const auto result = pipe.run(request);
    QVERIFY(torch::isfinite(result.final_latents).all().item<bool>());
    QVERIFY(result.final_latents.abs().max().item<double>() > 0.0);
    QCOMPARE(result.clip.frames.size(0), int64_t(5));
    QCOMPARE(result.peak_gpu_memory_gb, 0.0);  // CPU
  }

  void bench_runs_every_setting_for_every_frame_count() {
    auto model = pipeline::WanModel::with_random_weights(pipeline::model_preset("wan-tiny"), torch::kCPU, torch::kFloat32,
                                                         test::fixture("wan-tiny/tokenizer/spiece.model"));
    pipeline::Pipeline pipe(model);
    pipeline::PipelineBenchOptions options;
    options.settings = pipeline::blade_bench_settings(0.5, 2, 4);
    options.frames = {5, 9};
    options.width = 64;
    options.height = 32;
    int heard = 0;
    const auto rows = pipeline::bench_pipeline(pipe, options, [&](const auto&) { ++heard; });
    const size_t settings = options.settings.size();
    QCOMPARE(int(settings), 6);
    QCOMPARE(int(rows.size()), 12);
    QCOMPARE(heard, 12);
    const std::vector<std::string> names{"dense-4-cfg", "dense-2", "asa-gt-2", "asa-gt-2-vae-bf16",
                                         "asa-gt-2-vae-bf16-packed", "asa-gt-2-vae-bf16-composite"};
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& row = rows[i];
      QCOMPARE(row.setting, names[i % settings]);
      QCOMPARE(row.frames, options.frames[i / settings]);
      // latent frames x (32 / 16) x (64 / 16) tokens
      QCOMPARE(row.tokens, int64_t((row.frames - 1) / 4 + 1) * 2 * 4);
      QCOMPARE(row.guided, i % settings == 0);
      QCOMPARE(int(row.timings.step_ms.size()), row.steps);
      QVERIFY(row.timings.total_s >= row.timings.denoising_s + row.timings.decoding_s);
      if (i % settings == 0) QCOMPARE(row.speedup_total, 1.0);
      QCOMPARE(row.speedup_total, rows[i - i % settings].timings.total_s / row.timings.total_s);
      // The total covers its components: their shares add up to at most one.
      const auto& t = row.timings;
      const double shares = row.share_of_total(t.text_encoding_s) + row.share_of_total(t.denoising_s) +
                            row.share_of_total(t.decoding_s);
      QVERIFY2(shares > 0.0 && shares <= 1.0 + 1e-12, qPrintable(QString::number(shares)));
      // The bf16-VAE, packed-operand and composite-norms rows have a same-sampling neighbour: a finite
      // PSNR. On the CPU the packed row runs the same code as its neighbour: identical frames (99 dB;
      // this tiny clip has one attention block, so the probe's seeding is checked by
      // every_row_seeds_its_probe_alike instead). The composite norms round differently.
      QCOMPARE(row.psnr_vs_previous_db > 0.0, i % settings >= 3);
      if (i % settings == 4) QCOMPARE(row.psnr_vs_previous_db, 99.0);
      if (i % settings == 5) QVERIFY2(row.psnr_vs_previous_db >= 60.0, qPrintable(QString::number(row.psnr_vs_previous_db)));
    }
  }
};

QTEST_APPLESS_MAIN(TestPipelineBenchmark)
#include "test_pipeline_benchmark.moc"
