// The text side of training: a SentencePiece model trained on prompt sentences round-trips them
// with umT5's id layout, and the differentiable encoder equals the inference TextEncoder.

#include "models/text/text_encoder.h"
#include "moving_squares_source.h"
#include "throws.h"
#include "test_tensors.h"
#include "tiny_config.h"
#include "train/model_init.h"
#include "train/tokenizer_training.h"
#include "train/trainable_text_encoder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sentencepiece_processor.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace blade;

namespace {

std::vector<std::string> corpus() {
  test::MovingSquaresSource source({5, 16, 16}, 3);
  auto sentences = source.prompts(0, 300);
  sentences.push_back("  a   red square &amp; a blue square  ");  // cleaned before training
  sentences.push_back("three small circles bounce slowly");
  return sentences;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

class TestTrainText : public QObject {
  Q_OBJECT
 private slots:
  void tokenizer_round_trips_the_corpus() {
    QTemporaryDir dir;
    const std::filesystem::path model = dir.filePath("spiece.model").toStdString();
    const auto sentences = corpus();
    const int64_t pieces = train::train_prompt_tokenizer(sentences, {.vocab_size = 64}, model);
    QVERIFY(pieces > 8 && pieces <= 64);

    sentencepiece::SentencePieceProcessor processor;
    QVERIFY(processor.Load(model.string()).ok());
    QCOMPARE(processor.pad_id(), 0);
    QCOMPARE(processor.eos_id(), 1);
    QCOMPARE(processor.unk_id(), 2);
    QCOMPARE(processor.bos_id(), -1);

    const auto tokenizer = models::PromptTokenizer::load(model);
    QCOMPARE(tokenizer.vocab_size(), pieces);
    for (const auto& sentence : sentences) {
      const auto ids = tokenizer.encode(sentence, 512);
      QCOMPARE(ids.back(), int64_t{1});
      std::vector<int> body(ids.begin(), ids.end() - 1);
      for (int id : body) QVERIFY2(id != 2, ("unknown piece in: " + sentence).c_str());
      std::string decoded;
      QVERIFY(processor.Decode(body, &decoded).ok());
      QCOMPARE(decoded, models::PromptTokenizer::clean(sentence));
    }
  }

  void tokenizer_training_is_deterministic() {
    QTemporaryDir dir;
    const std::filesystem::path a = dir.filePath("a.model").toStdString();
    const std::filesystem::path b = dir.filePath("b.model").toStdString();
    train::train_prompt_tokenizer(corpus(), {.vocab_size = 64}, a);
    train::train_prompt_tokenizer(corpus(), {.vocab_size = 64}, b);
    QVERIFY(read_bytes(a) == read_bytes(b));
  }

  void empty_corpus_is_refused() {
    QTemporaryDir dir;
    QVERIFY(test::throws_error([&] { train::train_prompt_tokenizer({"", "   "}, {}, dir.filePath("x").toStdString()); },
                               ErrorKind::InvalidArgument));
  }

  void trainable_encoder_equals_the_inference_encoder() {
    QTemporaryDir dir;
    const std::filesystem::path model = dir.filePath("spiece.model").toStdString();
    auto config = test::tiny_model_config().text;
    config.vocab_size = train::train_prompt_tokenizer(corpus(), {.vocab_size = 64}, model);
    models::UMT5Encoder encoder(config);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(11);
    train::initialize_umt5(*encoder, generator);

    const int64_t text_len = 12;
    const std::vector<std::string> prompts{"a red square moving left", "",
                                           "a blue square moving up a green square moving down a yellow square"};
    models::TextEncoder reference(models::PromptTokenizer::load(model), encoder, text_len);
    train::TrainableTextEncoder trainable(models::PromptTokenizer::load(model), encoder, text_len);
    const auto expected = reference.encode(prompts);
    const auto got = trainable.encode(prompts);
    QCOMPARE(got.sizes(), expected.sizes());
    const double error = test::relative_error(got, expected);
    QVERIFY2(error < 1e-6, std::to_string(error).c_str());
    // Padding rows are exactly zero, as the DiT sees them at inference.
    const auto count = static_cast<int64_t>(reference.tokenizer().encode(prompts[0], text_len).size());
    QVERIFY(torch::equal(got[0].narrow(0, count, text_len - count), torch::zeros({text_len - count, config.d_model})));
  }

  void gradients_reach_the_used_embedding_rows_only() {
    QTemporaryDir dir;
    const std::filesystem::path model = dir.filePath("spiece.model").toStdString();
    auto config = test::tiny_model_config().text;
    config.vocab_size = train::train_prompt_tokenizer(corpus(), {.vocab_size = 64}, model);
    models::UMT5Encoder encoder(config);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(12);
    train::initialize_umt5(*encoder, generator);
    for (auto& p : encoder->parameters()) p.set_requires_grad(true);
    train::TrainableTextEncoder trainable(models::PromptTokenizer::load(model), encoder, 16);

    const std::string prompt = "a red square moving left";
    // A random projection (a sum of squares would be constant after the final RMS norm).
    const auto context = trainable.encode({prompt});
    const auto direction = torch::randn(context.sizes(), generator, torch::kFloat32);
    (context * direction).sum().backward();
    const auto ids = trainable.tokenizer().encode(prompt, 16);
    const auto grad = encoder->named_parameters()["shared.weight"].grad();
    QVERIFY(grad.defined());
    for (int64_t row = 0; row < config.vocab_size; ++row) {
      const bool used = std::find(ids.begin(), ids.end(), row) != ids.end();
      const bool nonzero = grad[row].abs().sum().item<double>() > 0.0;
      QVERIFY2(used == nonzero, ("embedding row " + std::to_string(row)).c_str());
    }
    for (const auto& item : encoder->named_parameters()) {
      QVERIFY2(item.value().grad().defined() && item.value().grad().abs().sum().item<double>() > 0.0,
               item.key().c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TestTrainText)
#include "test_train_text.moc"
