#pragma once
// The umT5 tokenizer as the Wan pipelines use it: prompt cleaning (ftfy subset, HTML unescaping,
// whitespace collapsing), SentencePiece ids, truncation, and the closing EOS. No padding.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace blade::models {

class PromptTokenizer {
 public:
  // Throws blade::Error naming the file: Io when it cannot be read, BadWeights when it is not a
  // SentencePiece model.
  static PromptTokenizer load(const std::filesystem::path& spiece_model);

  // ftfy_fix_text (see ftfy_fixes.h), html.unescape twice, every run of Unicode whitespace to
  // one space, stripped: diffusers' prompt_clean / Wan's whitespace_clean(basic_clean(text)).
  static std::string clean(const std::string& text);

  // clean -> SentencePiece ids -> at most max_length - 1 of them -> EOS appended. Like the HF
  // tokenizer, literal control pieces in the text ("</s>", "<pad>", "<unk>") become their ids.
  std::vector<int64_t> encode(const std::string& text, int64_t max_length = 512) const;

  // How many ids encode() gives without truncation, the closing EOS included.
  int64_t token_count(const std::string& text) const;

  int64_t vocab_size() const;
  int64_t eos_id() const { return eos_id_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  PromptTokenizer() = default;
  std::shared_ptr<const sentencepiece::SentencePieceProcessor> processor_;
  std::filesystem::path path_;
  int64_t eos_id_ = 1;
  std::vector<std::pair<std::string, int>> special_pieces_;  // surface text -> id, longest first
};

}  // namespace blade::models
