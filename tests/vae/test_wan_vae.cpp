// Wan-VAE parity with diffusers' AutoencoderKLWan on the tiny fixture (both namings), cancel,
// progress and input validation.

#include "core/error.h"
#include "io/safetensors.h"
#include "io/weight_store.h"
#include "models/vae/wan_vae.h"
#include "expect_error.h"
#include "test_tensors.h"

#include <fmt/format.h>

#include <QtTest>

using blade::ErrorKind;
using namespace blade::models;

namespace {

constexpr double kTolerance = 1e-4;

const char* const kWeightPaths[] = {"wan-tiny/vae", "wan-tiny-original/Wan2.1_VAE.safetensors"};

WanVAE load_tiny(const char* path) {
  return load_wan_vae(blade::io::WeightStore::open(blade::test::fixture(path)), torch::kCPU);
}

torch::Tensor reference(const std::string& name) {
  static const auto file = blade::io::SafetensorsFile::open(blade::test::fixture("reference/vae.safetensors"));
  return file->load(name);
}

}  // namespace

class TestWanVae : public QObject {
  Q_OBJECT
 private slots:
  void encode_matches_diffusers() {
    for (const char* path : kWeightPaths) {
      auto vae = load_tiny(path);
      for (int frames : {9, 13}) {
        const auto mu = vae->encode(reference(fmt::format("encode_input_{}", frames)));
        const auto expected = reference(fmt::format("encode_mu_{}", frames));
        const double error = blade::test::relative_error(mu, expected);
        qInfo("%s encode F=%d: relative error %.3g", path, frames, error);
        QVERIFY2(error <= kTolerance, qPrintable(QString("%1 F=%2: %3").arg(path).arg(frames).arg(error)));
      }
    }
  }

  void decode_matches_diffusers_and_reports_each_latent_frame() {
    for (const char* path : kWeightPaths) {
      auto vae = load_tiny(path);
      for (int frames : {9, 13}) {
        const auto latents = reference(fmt::format("decode_input_{}", frames));
        std::vector<std::pair<int64_t, int64_t>> calls;
        const auto video = vae->decode(latents, nullptr, [&](int64_t done, int64_t total) {
          calls.emplace_back(done, total);
        });
        const auto expected = reference(fmt::format("decode_output_{}", frames));
        const double error = blade::test::relative_error(video, expected);
        qInfo("%s decode F=%d: relative error %.3g", path, frames, error);
        QVERIFY2(error <= kTolerance, qPrintable(QString("%1 F=%2: %3").arg(path).arg(frames).arg(error)));
        const int64_t latent_frames = latents.size(2);
        QCOMPARE(calls.size(), static_cast<size_t>(latent_frames));
        for (int64_t i = 0; i < latent_frames; ++i) {
          QCOMPARE(calls[i].first, i + 1);
          QCOMPARE(calls[i].second, latent_frames);
        }
        const float peak = video.abs().max().item<float>();
        QVERIFY(peak <= 1.0f);
      }
    }
  }

  void batch_items_are_independent() {
    auto vae = load_tiny(kWeightPaths[0]);
    const auto a = reference("decode_input_9");
    const auto b = a.flip(3) * 0.5;
    const auto both = vae->decode(torch::cat({a, b}, 0));
    // Batched convolutions sum in another order than single ones: equal up to fp32 rounding.
    const double error_a = blade::test::relative_error(both.narrow(0, 0, 1), vae->decode(a));
    const double error_b = blade::test::relative_error(both.narrow(0, 1, 1), vae->decode(b));
    QVERIFY2(error_a <= 1e-5 && error_b <= 1e-5, qPrintable(QString("batch rel. errors %1 %2").arg(error_a).arg(error_b)));
  }

  void normalisation_uses_the_wan_statistics_and_inverts() {
    auto vae = load_tiny(kWeightPaths[0]);
    const auto mu = reference("encode_mu_9");
    const auto z = vae->normalize(mu);
    const auto& config = vae->config();
    for (int64_t c : {0, 7, 15}) {
      const auto expected = (mu.select(1, c) - config.latents_mean[c]) / config.latents_std[c];
      QVERIFY(blade::test::relative_error(z.select(1, c), expected) <= 1e-6);
    }
    QVERIFY(blade::test::relative_error(vae->denormalize(z), mu) <= 1e-6);
    blade::test::expect_error(ErrorKind::InvalidArgument, {"[1, 3, 2]"}, [&] { vae->normalize(torch::zeros({1, 3, 2})); });
  }

  void cancel_stops_decode_before_and_between_latent_frames() {
    auto vae = load_tiny(kWeightPaths[0]);
    const auto latents = reference("decode_input_13");
    blade::CancelToken token;
    token.request();
    int calls = 0;
    blade::test::expect_error(ErrorKind::Cancelled, {"decoding"}, [&] {
      vae->decode(latents, &token, [&](int64_t, int64_t) { ++calls; });
    });
    QCOMPARE(calls, 0);
    QVERIFY(token.heard());

    token.reset();
    blade::test::expect_error(ErrorKind::Cancelled, {"latent frame 3 of 4"}, [&] {
      vae->decode(latents, &token, [&](int64_t done, int64_t) {
        ++calls;
        if (done == 2) token.request();
      });
    });
    QCOMPARE(calls, 2);

    token.reset();
    token.request();
    blade::test::expect_error(ErrorKind::Cancelled, {"encoding"}, [&] { vae->encode(reference("encode_input_9"), &token); });
  }

  void bad_shapes_are_invalid_arguments_naming_the_shape() {
    auto vae = load_tiny(kWeightPaths[0]);
    blade::test::expect_error(ErrorKind::InvalidArgument, {"[1, 3, 10, 32, 32]"},
                 [&] { vae->encode(torch::zeros({1, 3, 10, 32, 32})); });
    blade::test::expect_error(ErrorKind::InvalidArgument, {"[1, 3, 9, 36, 32]"},
                 [&] { vae->encode(torch::zeros({1, 3, 9, 36, 32})); });
    blade::test::expect_error(ErrorKind::InvalidArgument, {"[1, 4, 9, 32, 32]"},
                 [&] { vae->encode(torch::zeros({1, 4, 9, 32, 32})); });
    blade::test::expect_error(ErrorKind::InvalidArgument, {"[3, 9, 32, 32]"}, [&] { vae->encode(torch::zeros({3, 9, 32, 32})); });
    blade::test::expect_error(ErrorKind::InvalidArgument, {"[1, 8, 3, 4, 4]"}, [&] { vae->decode(torch::zeros({1, 8, 3, 4, 4})); });
    blade::test::expect_error(ErrorKind::InvalidArgument, {"undefined"}, [&] { vae->decode(torch::Tensor()); });
  }
};

QTEST_APPLESS_MAIN(TestWanVae)
#include "test_wan_vae.moc"
