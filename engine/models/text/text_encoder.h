#pragma once
// Prompts -> umT5 context as the Wan DiT takes it: [B, text_len, d_model], each prompt's rows
// trimmed to its real token count (EOS included) and zero-padded to text_len.

#include "models/text/prompt_tokenizer.h"
#include "models/text/umt5_encoder.h"

#include <string>
#include <vector>

namespace blade::models {

class TextEncoder {
 public:
  TextEncoder(PromptTokenizer tokenizer, UMT5Encoder encoder, int64_t text_len = 512);

  // fp32 on the encoder's device. Prompts longer than text_len tokens are truncated (EOS kept), with
  // a warning in the "text" log.
  // The encoder only runs over the longest prompt's tokens: padded keys are masked, so the rows
  // are those of a run padded to text_len.
  torch::Tensor encode(const std::vector<std::string>& prompts);

  int64_t text_len() const { return text_len_; }
  int64_t dim() const { return encoder_->config().d_model; }
  torch::Device device() const { return encoder_->device(); }
  // e.g. back to the CPU (page-locked memory) to free GPU memory once prompts are encoded
  void to(torch::Device device);

  const PromptTokenizer& tokenizer() const { return tokenizer_; }

 private:
  PromptTokenizer tokenizer_;
  UMT5Encoder encoder_;
  int64_t text_len_ = 512;
  int64_t longest_warned_ = 0;  // the truncation warning is given once per new longest prompt
};

}  // namespace blade::models
