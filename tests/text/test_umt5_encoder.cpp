// The umT5 encoder against transformers' UMT5EncoderModel on the tiny fixture model
// (tests/fixtures/reference/umt5.safetensors: input_ids, attention_mask, last_hidden_state).

#include "expect_error.h"
#include "io/safetensors.h"
#include "io/weight_store.h"
#include "models/text/umt5_encoder.h"
#include "test_tensors.h"

#include <QtTest>

#include <cmath>

using namespace blade;
using namespace blade::models;

namespace {

std::filesystem::path encoder_dir() { return test::fixture("wan-tiny/text_encoder"); }

torch::Tensor reference(const std::string& name) {
  return io::WeightStore::open(test::fixture("reference/umt5.safetensors")).load(name);
}

UMT5Encoder load_tiny(torch::Dtype dtype = torch::kFloat32) {
  return load_umt5_encoder(io::WeightStore::open(encoder_dir()), torch::kCPU, dtype);
}

// T5's bidirectional bucket of one relative position (key - query), written out per value with the
// float32 logarithm transformers uses.
int64_t scalar_bucket(int64_t relative, int64_t num_buckets, int64_t max_distance) {
  const int64_t half = num_buckets / 2;
  const int64_t max_exact = half / 2;
  const int64_t distance = std::abs(relative);
  int64_t bucket = relative > 0 ? half : 0;
  if (distance < max_exact) return bucket + distance;
  const float ratio = std::log(static_cast<float>(distance) / static_cast<float>(max_exact)) /
                      static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact)) *
                      static_cast<float>(half - max_exact);
  return bucket + std::min<int64_t>(max_exact + static_cast<int64_t>(ratio), half - 1);
}

}  // namespace

class TestUMT5Encoder : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QVERIFY2(std::filesystem::exists(test::fixture("reference/umt5.safetensors")), "run tests/fixtures/make_fixtures.py");
  }

  void config_comes_from_the_weights() {
    const auto config = UMT5Config::infer(io::WeightStore::open(encoder_dir()));
    QCOMPARE(config.vocab_size, int64_t(500));
    QCOMPARE(config.d_model, int64_t(32));
    QCOMPARE(config.num_heads, int64_t(4));
    QCOMPARE(config.d_kv, int64_t(8));
    QCOMPARE(config.d_ff, int64_t(64));
    QCOMPARE(config.num_layers, int64_t(2));
    QCOMPARE(config.num_buckets, int64_t(32));
    QCOMPARE(config.max_distance, int64_t(128));
    QCOMPARE(config.eps, 1e-6);
  }

  void relative_buckets_follow_t5() {
    for (const auto& [buckets, max_distance] : {std::pair<int64_t, int64_t>{32, 128}, {32, 20}, {64, 300}}) {
      const int64_t length = 400;
      const auto table = umt5_relative_buckets(length, length, buckets, max_distance);
      QCOMPARE(table.sizes().vec(), (std::vector<int64_t>{length, length}));
      const auto values = table.contiguous();
      const auto* data = values.data_ptr<int64_t>();
      int mismatches = 0;
      for (int64_t q = 0; q < length; ++q) {
        for (int64_t k = 0; k < length; ++k) {
          mismatches += data[q * length + k] != scalar_bucket(k - q, buckets, max_distance);
        }
      }
      QCOMPARE(mismatches, 0);
    }
    const auto table = umt5_relative_buckets(1, 300, 32, 128);  // query 0, keys 0..299
    QCOMPARE(table[0][0].item<int64_t>(), int64_t(0));
    QCOMPARE(table[0][1].item<int64_t>(), int64_t(17));   // one to the right: second half
    QCOMPARE(table[0][7].item<int64_t>(), int64_t(23));   // last exact bucket
    QCOMPARE(table[0][299].item<int64_t>(), int64_t(31)); // beyond max_distance: the last bucket
  }

  void forward_matches_transformers() {
    auto encoder = load_tiny();
    const auto out = encoder->forward(reference("input_ids"), reference("attention_mask"));
    QCOMPARE(out.scalar_type(), torch::kFloat32);
    const auto expected = reference("last_hidden_state");
    const double error = test::relative_error(out, expected);
    const auto mask = reference("attention_mask").unsqueeze(-1).to(torch::kFloat32);
    const double real_rows_error = test::relative_error(out * mask, expected * mask);
    qInfo("last_hidden_state relative error %.3g (real tokens only %.3g)", error, real_rows_error);
    QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
    QVERIFY2(real_rows_error <= 1e-5, qPrintable(QString::number(real_rows_error)));
  }

  void padding_does_not_change_real_rows() {
    auto encoder = load_tiny();
    const auto ids = reference("input_ids");
    const auto mask = reference("attention_mask");
    const auto batch = encoder->forward(ids, mask);
    for (int64_t b = 0; b < ids.size(0); ++b) {
      const int64_t count = mask[b].sum().item<int64_t>();
      const auto alone = encoder->forward(ids[b].narrow(0, 0, count).unsqueeze(0), torch::ones({1, count}, torch::kLong));
      const double error = test::relative_error(alone[0], batch[b].narrow(0, 0, count));
      QVERIFY2(error <= 1e-6, qPrintable(QString("prompt %1: %2").arg(b).arg(error)));
    }
  }

  void bf16_compute_stays_close() {
    auto encoder = load_tiny(torch::kBFloat16);
    QCOMPARE(encoder->compute_dtype(), torch::kBFloat16);
    const auto out = encoder->forward(reference("input_ids"), reference("attention_mask"));
    QCOMPARE(out.scalar_type(), torch::kFloat32);
    const double error = test::relative_error(out, reference("last_hidden_state"));
    qInfo("bf16 relative error %.3g", error);
    QVERIFY2(error <= 3e-2, qPrintable(QString::number(error)));
  }

  void empty_batch_gives_empty_output() {
    auto encoder = load_tiny();
    const auto out = encoder->forward(torch::zeros({2, 0}, torch::kLong), torch::zeros({2, 0}, torch::kLong));
    QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{2, 0, 32}));
  }

  void bad_inputs_are_invalid_arguments() {
    auto encoder = load_tiny();
    const auto ids = reference("input_ids");
    const auto mask = reference("attention_mask");
    test::expect_error(ErrorKind::InvalidArgument, {"input_ids", "Float"},
                       [&] { encoder->forward(ids.to(torch::kFloat32), mask); });
    test::expect_error(ErrorKind::InvalidArgument, {"input_ids", "[96]"},
                       [&] { encoder->forward(ids.flatten(), mask.flatten()); });
    test::expect_error(ErrorKind::InvalidArgument, {"attention_mask", "[4, 23]"},
                       [&] { encoder->forward(ids, mask.narrow(1, 0, 23)); });
    auto too_large = ids.clone();
    too_large[0][0] = 500;
    test::expect_error(ErrorKind::InvalidArgument, {"[0, 500)", "500"}, [&] { encoder->forward(too_large, mask); });
    test::expect_error(ErrorKind::Unsupported, {"f16"}, [&] { encoder->set_compute_dtype(torch::kFloat16); });
  }

  void missing_tensor_is_named() {
    const auto source = io::WeightStore::open(encoder_dir());
    const std::string dropped = "encoder.block.1.layer.1.DenseReluDense.wo.weight";
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& name : source.names()) {
      if (name != dropped) tensors.emplace_back(name, source.load(name));
    }
    const auto file = std::filesystem::path(BLADE_BINARY_DIR) / "test_umt5_encoder_missing" / "model.safetensors";
    std::filesystem::create_directories(file.parent_path());
    io::write_safetensors(file, tensors);
    test::expect_error(ErrorKind::BadWeights, {dropped, "model.safetensors"}, [&] {
      load_umt5_encoder(io::WeightStore::open(file), torch::kCPU, torch::kFloat32);
    });
  }
};

QTEST_APPLESS_MAIN(TestUMT5Encoder)
#include "test_umt5_encoder.moc"
