// The prompt tokenizer against the HF T5 tokenizer of the tiny fixture model
// (tests/fixtures/reference/tokenizer.json: text, max_length, prompt_clean(text) and the HF ids).

#include "expect_error.h"
#include "models/text/prompt_tokenizer.h"
#include "models/text/utf8.h"
#include "test_tensors.h"

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <fstream>

using namespace blade;
using namespace blade::models;

namespace {

std::filesystem::path spiece_model() { return test::fixture("wan-tiny/tokenizer/spiece.model"); }

nlohmann::json reference_cases() {
  std::ifstream in(test::fixture("reference/tokenizer.json"));
  return nlohmann::json::parse(in);
}

std::string ids_text(const std::vector<int64_t>& ids) { return fmt::format("[{}]", fmt::join(ids, ", ")); }

std::filesystem::path scratch_file(const std::string& name, const std::string& bytes) {
  const auto folder = std::filesystem::path(BLADE_BINARY_DIR) / "test_prompt_tokenizer";
  std::filesystem::create_directories(folder);
  const auto path = folder / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace

class TestPromptTokenizer : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QVERIFY2(std::filesystem::exists(test::fixture("reference/tokenizer.json")), "run tests/fixtures/make_fixtures.py");
    QVERIFY(std::filesystem::exists(spiece_model()));
  }

  void loads_the_tiny_model() {
    const auto tokenizer = PromptTokenizer::load(spiece_model());
    QCOMPARE(tokenizer.vocab_size(), int64_t(500));
    QCOMPARE(tokenizer.eos_id(), int64_t(1));
    QCOMPARE(tokenizer.path(), spiece_model());
  }

  // prompt_clean ends with ftfy's NFC, which the cleaning leaves out (SentencePiece's NFKC gives the
  // same ids): texts with combining marks must only tokenize like the reference's cleaned text.
  void cleaning_matches_prompt_clean() {
    const auto tokenizer = PromptTokenizer::load(spiece_model());
    const auto cases = reference_cases();
    QCOMPARE(cases.size(), size_t(31));
    int mismatches = 0;
    int composed = 0;
    for (const auto& c : cases) {
      const auto text = c["text"].get<std::string>();
      const auto expected = c["cleaned"].get<std::string>();
      const auto cleaned = PromptTokenizer::clean(text);
      const auto code_points = utf8_decode(text);
      const bool combining = std::any_of(code_points.begin(), code_points.end(),
                                         [](char32_t cp) { return cp >= 0x300 && cp <= 0x36F; });
      const bool same = combining ? tokenizer.encode(cleaned) == tokenizer.encode(expected) : cleaned == expected;
      composed += combining;
      if (!same) {
        ++mismatches;
        qWarning("clean(%s) = '%s', expected '%s'", c["text"].dump().c_str(), cleaned.c_str(), expected.c_str());
      }
    }
    QCOMPARE(composed, 1);
    QCOMPARE(mismatches, 0);
  }

  void ids_equal_the_hf_tokenizer() {
    const auto tokenizer = PromptTokenizer::load(spiece_model());
    int mismatches = 0;
    for (const auto& c : reference_cases()) {
      const auto expected = c["ids"].get<std::vector<int64_t>>();
      const auto ids = tokenizer.encode(c["text"].get<std::string>(), c["max_length"].get<int64_t>());
      if (ids != expected) {
        ++mismatches;
        qWarning("%s (max_length %d):\n  got      %s\n  expected %s", c["text"].dump().c_str(),
                 c["max_length"].get<int>(), ids_text(ids).c_str(), ids_text(expected).c_str());
      }
    }
    QCOMPARE(mismatches, 0);
  }

  void truncation_keeps_eos_last() {
    const auto tokenizer = PromptTokenizer::load(spiece_model());
    const std::string text = "a small red circle drifts to the left over a blue sky";
    const auto full = tokenizer.encode(text);
    QVERIFY(full.size() > 5);
    for (int64_t max_length : {1, 2, 5}) {
      const auto ids = tokenizer.encode(text, max_length);
      QCOMPARE(int64_t(ids.size()), max_length);
      QCOMPARE(ids.back(), tokenizer.eos_id());
      QVERIFY(std::equal(ids.begin(), ids.end() - 1, full.begin()));
    }
    QCOMPARE(tokenizer.encode(text, int64_t(full.size())), full);  // exactly at the limit: unchanged
  }

  void missing_file_names_the_path() {
    const auto missing = test::fixture("wan-tiny/tokenizer/no_such_spiece.model");
    test::expect_error(ErrorKind::Io, {missing.string()}, [&] { PromptTokenizer::load(missing); });
    test::expect_error(ErrorKind::Io, {"wan-tiny/tokenizer"},
                       [&] { PromptTokenizer::load(test::fixture("wan-tiny/tokenizer")); });  // a folder
  }

  void non_sentencepiece_file_is_bad_weights() {
    const auto path = scratch_file("not_a_model.model", "this is not a protobuf \x01\x02\x03 model");
    test::expect_error(ErrorKind::BadWeights, {path.string(), "SentencePiece"}, [&] { PromptTokenizer::load(path); });
  }

  void bad_max_length_is_invalid() {
    const auto tokenizer = PromptTokenizer::load(spiece_model());
    test::expect_error(ErrorKind::InvalidArgument, {"max_length", "0"}, [&] { tokenizer.encode("a cat", 0); });
    test::expect_error(ErrorKind::InvalidArgument, {"-3"}, [&] { tokenizer.encode("a cat", -3); });
  }
};

QTEST_APPLESS_MAIN(TestPromptTokenizer)
#include "test_prompt_tokenizer.moc"
