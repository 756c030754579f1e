#pragma once
// Trains the SentencePiece model of a from-scratch text encoder on prompt sentences. The ids are
// laid out like umT5's spiece.model (pad 0, eos 1, unk 2, no BOS) so that models::PromptTokenizer
// and the pipeline use it unchanged.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace blade::train {

struct TokenizerTrainingOptions {
  int64_t vocab_size = 512;  // an upper bound: a small corpus yields fewer pieces
  std::string model_type = "unigram";
};

// Each sentence is cleaned with models::PromptTokenizer::clean first (as prompts are at inference).
// Writes the model to `out` atomically (temporary file + rename) and returns its piece count.
// Deterministic for the same sentences. Throws InvalidArgument for an empty corpus, Internal when
// SentencePiece fails (its message included), Io when the file cannot be written.
int64_t train_prompt_tokenizer(const std::vector<std::string>& sentences, const TokenizerTrainingOptions& options,
                               const std::filesystem::path& out);

}  // namespace blade::train
