// Prompts -> padded umT5 context against the references: the tokenizer + encoder run of
// reference/umt5.safetensors (max_length 24) and diffusers' WanPipeline.encode_prompt
// (reference/pipeline.safetensors: prompt_embeds, negative_prompt_embeds, 512 rows).

#include "expect_error.h"
#include "io/weight_store.h"
#include "models/text/text_encoder.h"
#include "test_tensors.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>

using namespace blade;
using namespace blade::models;

namespace {

// The prompts of make_fixtures.py's write_umt5_reference, in its order.
const std::vector<std::string> kUmt5Prompts = {"a small red circle drifts to the left over a blue sky", "",
                                               "the old café façade in Zürich at night", "一只猫 and a dog 🐶"};

TextEncoder load_tiny(int64_t text_len) {
  auto tokenizer = PromptTokenizer::load(test::fixture("wan-tiny/tokenizer/spiece.model"));
  auto encoder = load_umt5_encoder(io::WeightStore::open(test::fixture("wan-tiny/text_encoder")), torch::kCPU,
                                   torch::kFloat32);
  return TextEncoder(std::move(tokenizer), std::move(encoder), text_len);
}

torch::Tensor load(const char* file, const std::string& name) {
  return io::WeightStore::open(test::fixture(std::string("reference/") + file)).load(name);
}

nlohmann::json pipeline_settings() {
  std::ifstream in(test::fixture("reference/pipeline.json"));
  return nlohmann::json::parse(in)["settings"];
}

}  // namespace

class TestTextEncoder : public QObject {
  Q_OBJECT
 private slots:
  void tokenizer_gives_the_reference_ids() {
    const auto encoder = load_tiny(24);
    const auto ids = load("umt5.safetensors", "input_ids");
    const auto mask = load("umt5.safetensors", "attention_mask");
    for (size_t b = 0; b < kUmt5Prompts.size(); ++b) {
      const int64_t count = mask[b].sum().item<int64_t>();
      const auto expected = ids[b].narrow(0, 0, count);
      const auto got = encoder.tokenizer().encode(kUmt5Prompts[b], 24);
      QVERIFY2(torch::equal(torch::tensor(got, torch::kLong), expected), kUmt5Prompts[b].c_str());
    }
  }

  void rows_are_trimmed_and_zero_padded() {
    auto encoder = load_tiny(24);
    const auto context = encoder.encode(kUmt5Prompts);
    QCOMPARE(context.sizes().vec(), (std::vector<int64_t>{4, 24, 32}));
    const auto mask = load("umt5.safetensors", "attention_mask").unsqueeze(-1).to(torch::kFloat32);
    const auto expected = load("umt5.safetensors", "last_hidden_state") * mask;
    const double error = test::relative_error(context, expected);
    qInfo("padded context vs masked last_hidden_state: relative error %.3g", error);
    QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
    QVERIFY(torch::equal(context * (1 - mask), torch::zeros_like(context)));  // padding rows exactly zero
    QVERIFY((context.abs().sum(-1) > 0).eq(mask.squeeze(-1) > 0).all().item<bool>());
  }

  void prompt_embeds_match_the_pipeline() {
    auto encoder = load_tiny(512);
    const auto settings = pipeline_settings();
    QCOMPARE(settings["max_sequence_length"].get<int64_t>(), encoder.text_len());
    const auto prompt = settings["prompt"].get<std::string>();
    const auto negative = settings["negative_prompt"].get<std::string>();
    const auto expected_prompt = load("pipeline.safetensors", "prompt_embeds");
    const auto expected_negative = load("pipeline.safetensors", "negative_prompt_embeds");
    const double prompt_error = test::relative_error(encoder.encode({prompt}), expected_prompt);
    const double negative_error = test::relative_error(encoder.encode({negative}), expected_negative);
    const double batch_error =
        test::relative_error(encoder.encode({prompt, negative}), torch::cat({expected_prompt, expected_negative}));
    qInfo("prompt_embeds %.3g, negative_prompt_embeds %.3g, both in one batch %.3g", prompt_error, negative_error,
          batch_error);
    QVERIFY2(prompt_error <= 1e-5, qPrintable(QString::number(prompt_error)));
    QVERIFY2(negative_error <= 1e-5, qPrintable(QString::number(negative_error)));
    QVERIFY2(batch_error <= 1e-5, qPrintable(QString::number(batch_error)));
  }

  void long_prompts_fill_text_len() {
    auto encoder = load_tiny(8);
    const std::string text = "the golden robot walks across the river in the rain while a quiet dancer spins";
    const auto ids = encoder.tokenizer().encode(text, 8);
    QCOMPARE(ids.size(), size_t(8));
    const auto context = encoder.encode({text, "a cat"});
    QCOMPARE(context.sizes().vec(), (std::vector<int64_t>{2, 8, 32}));
    auto direct = load_umt5_encoder(io::WeightStore::open(test::fixture("wan-tiny/text_encoder")), torch::kCPU,
                                    torch::kFloat32);
    const auto id_tensor = torch::tensor(ids, torch::kLong).unsqueeze(0);
    const auto expected = direct->forward(id_tensor, torch::ones_like(id_tensor));
    QVERIFY(test::relative_error(context[0], expected[0]) <= 1e-6);
  }

  void empty_batch_and_bad_text_len() {
    auto encoder = load_tiny(16);
    QCOMPARE(encoder.encode({}).sizes().vec(), (std::vector<int64_t>{0, 16, 32}));
    test::expect_error(ErrorKind::InvalidArgument, {"text_len", "0"}, [] { load_tiny(0); });
  }
};

QTEST_APPLESS_MAIN(TestTextEncoder)
#include "test_text_encoder.moc"
