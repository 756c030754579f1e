#include "models/text/text_encoder.h"

#include "core/error.h"
#include "core/log.h"

#include <torch/torch.h>

#include <algorithm>

namespace blade::models {

TextEncoder::TextEncoder(PromptTokenizer tokenizer, UMT5Encoder encoder, int64_t text_len)
    : tokenizer_(std::move(tokenizer)), encoder_(std::move(encoder)), text_len_(text_len) {
  if (text_len_ < 1) fail(ErrorKind::InvalidArgument, "text_len must be at least 1, got {}", text_len_);
  if (tokenizer_.vocab_size() > encoder_->config().vocab_size) {
    fail(ErrorKind::BadWeights, "the tokenizer {} has {} pieces but the umT5 embedding only {} rows",
         tokenizer_.path().string(), tokenizer_.vocab_size(), encoder_->config().vocab_size);
  }
}

torch::Tensor TextEncoder::encode(const std::vector<std::string>& prompts) {
  static auto log = blade::log::get("text");
  torch::NoGradGuard no_grad;
  const auto batch = static_cast<int64_t>(prompts.size());
  const auto options = torch::TensorOptions(encoder_->device()).dtype(torch::kFloat32);
  if (batch == 0) return torch::zeros({0, text_len_, dim()}, options);

  std::vector<std::vector<int64_t>> ids;
  int64_t longest = 0;
  for (const auto& prompt : prompts) {
    ids.push_back(tokenizer_.encode(prompt, text_len_));
    longest = std::max<int64_t>(longest, static_cast<int64_t>(ids.back().size()));
    if (ids.back().size() == static_cast<size_t>(text_len_)) {
      const int64_t whole = tokenizer_.token_count(prompt);
      if (whole > text_len_ && whole > longest_warned_) {
        longest_warned_ = whole;
        log->warn("a prompt of {} tokens is longer than the {} this model reads; its last {} tokens are ignored",
                  whole, text_len_, whole - text_len_);
      }
    }
  }
  auto input_ids = torch::zeros({batch, longest}, torch::kLong);  // pad id 0
  auto mask = torch::zeros({batch, longest}, torch::kLong);
  for (int64_t b = 0; b < batch; ++b) {
    const auto count = static_cast<int64_t>(ids[b].size());
    input_ids[b].narrow(0, 0, count).copy_(torch::tensor(ids[b], torch::kLong));
    mask[b].narrow(0, 0, count).fill_(1);
    log->debug("prompt {}: {} tokens", b, count);
  }
  const auto hidden = encoder_->forward(input_ids, mask);
  auto context = torch::zeros({batch, text_len_, dim()}, options);
  for (int64_t b = 0; b < batch; ++b) {
    const auto count = static_cast<int64_t>(ids[b].size());
    context[b].narrow(0, 0, count).copy_(hidden[b].narrow(0, 0, count));
  }
  return context;
}

void TextEncoder::to(torch::Device device) {
  torch::NoGradGuard no_grad;
  if (!device.is_cpu() || !encoder_->device().is_cuda()) {
    encoder_->to(device);
    return;
  }
  // Back from a GPU: into page-locked memory, so that the next move to the GPU runs at full copy
  // speed (11 GB of umT5-XXL: about half a second instead of ten).
  for (auto& parameter : encoder_->parameters()) parameter.set_data(parameter.data().to(torch::kCPU).pin_memory());
}

}  // namespace blade::models
