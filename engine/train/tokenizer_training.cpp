#include "train/tokenizer_training.h"

#include "core/error.h"
#include "core/log.h"
#include "models/text/prompt_tokenizer.h"
#include "train/atomic_write.h"

#include <sentencepiece_trainer.h>

#include <unordered_map>

namespace blade::train {
namespace {

class VectorSentences final : public sentencepiece::SentenceIterator {
 public:
  explicit VectorSentences(const std::vector<std::string>& sentences) : sentences_(sentences) {}
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override { ++index_; }
  const std::string& value() const override { return sentences_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  size_t index_ = 0;
};

}  // namespace

int64_t train_prompt_tokenizer(const std::vector<std::string>& sentences, const TokenizerTrainingOptions& options,
                               const std::filesystem::path& out) {
  static auto log = blade::log::get("train");
  std::vector<std::string> cleaned;
  cleaned.reserve(sentences.size());
  for (const auto& sentence : sentences) {
    auto text = models::PromptTokenizer::clean(sentence);
    if (!text.empty()) cleaned.push_back(std::move(text));
  }
  if (cleaned.empty()) {
    fail(ErrorKind::InvalidArgument, "the tokenizer corpus is empty ({} sentences given, none non-blank)",
         sentences.size());
  }
  if (options.vocab_size < 8) {
    fail(ErrorKind::InvalidArgument, "tokenizer vocab_size must be at least 8, got {}", options.vocab_size);
  }
  const std::unordered_map<std::string, std::string> arguments{
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"hard_vocab_limit", "false"},
      {"character_coverage", "1.0"},
      {"pad_id", "0"},
      {"eos_id", "1"},
      {"unk_id", "2"},
      {"bos_id", "-1"},
      {"pad_piece", "<pad>"},
      {"eos_piece", "</s>"},
      {"unk_piece", "<unk>"},
      {"num_threads", "1"},  // one thread: the same corpus always gives the same model
      {"shuffle_input_sentence", "false"},
      {"input_sentence_size", "0"},
      {"max_sentence_length", "16384"},
      {"minloglevel", "2"},
  };
  VectorSentences iterator(cleaned);
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(arguments, &iterator, &model);
  if (!status.ok()) {
    fail(ErrorKind::Internal, "SentencePiece training on {} sentences (vocab {}) failed: {}", cleaned.size(),
         options.vocab_size, status.ToString());
  }
  write_file_atomically(out, model);
  const auto pieces = models::PromptTokenizer::load(out).vocab_size();
  log->info("trained a {} tokenizer with {} pieces on {} sentences -> {}", options.model_type, pieces, cleaned.size(),
            out.string());
  return pieces;
}

}  // namespace blade::train
