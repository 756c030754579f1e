#pragma once
// Prompts -> DiT context with gradients, for training the text encoder jointly with the DiT.
// models::UMT5EncoderImpl::forward is an inference path (it runs under NoGradGuard), so the same
// arithmetic is repeated here over the module's own parameters; the result equals
// models::TextEncoder::encode (rows past each prompt's tokens zero, padded to text_len).

#include "models/text/prompt_tokenizer.h"
#include "models/text/umt5_encoder.h"

#include <string>
#include <vector>

namespace blade::train {

struct TokenizedPrompts {
  torch::Tensor ids;   // [B, longest] int64, pad 0
  torch::Tensor mask;  // [B, longest] int64, 1 for real tokens (EOS included)
};

TokenizedPrompts tokenize_prompts(const models::PromptTokenizer& tokenizer, const std::vector<std::string>& prompts,
                                  int64_t text_len);

// The umT5 encoder forward, differentiable w.r.t. the encoder's parameters when grad mode is on.
torch::Tensor umt5_forward_with_grad(models::UMT5EncoderImpl& encoder, const torch::Tensor& ids,
                                     const torch::Tensor& mask);

class TrainableTextEncoder {
 public:
  TrainableTextEncoder(models::PromptTokenizer tokenizer, models::UMT5Encoder encoder, int64_t text_len);

  // [B, text_len, d_model] fp32 on the encoder's device.
  torch::Tensor encode(const std::vector<std::string>& prompts);

  models::UMT5Encoder& encoder() { return encoder_; }
  const models::PromptTokenizer& tokenizer() const { return tokenizer_; }
  int64_t text_len() const { return text_len_; }

 private:
  models::PromptTokenizer tokenizer_;
  models::UMT5Encoder encoder_;
  int64_t text_len_ = 512;
};

}  // namespace blade::train
