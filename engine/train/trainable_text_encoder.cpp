#include "train/trainable_text_encoder.h"

#include "core/error.h"

#include <torch/torch.h>

#include <limits>

namespace blade::train {
namespace {

const torch::Tensor& parameter(const torch::OrderedDict<std::string, torch::Tensor>& parameters,
                               const std::string& name) {
  const torch::Tensor* found = parameters.find(name);
  if (!found) fail(ErrorKind::Internal, "the umT5 encoder has no parameter '{}'", name);
  return *found;
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * weight;
}

}  // namespace

TokenizedPrompts tokenize_prompts(const models::PromptTokenizer& tokenizer, const std::vector<std::string>& prompts,
                                  int64_t text_len) {
  std::vector<std::vector<int64_t>> ids;
  int64_t longest = 1;
  for (const auto& prompt : prompts) {
    ids.push_back(tokenizer.encode(prompt, text_len));
    longest = std::max<int64_t>(longest, static_cast<int64_t>(ids.back().size()));
  }
  const auto batch = static_cast<int64_t>(prompts.size());
  TokenizedPrompts out{torch::zeros({batch, longest}, torch::kLong), torch::zeros({batch, longest}, torch::kLong)};
  for (int64_t b = 0; b < batch; ++b) {
    const auto count = static_cast<int64_t>(ids[static_cast<size_t>(b)].size());
    out.ids[b].narrow(0, 0, count).copy_(torch::tensor(ids[static_cast<size_t>(b)], torch::kLong));
    out.mask[b].narrow(0, 0, count).fill_(1);
  }
  return out;
}

torch::Tensor umt5_forward_with_grad(models::UMT5EncoderImpl& encoder, const torch::Tensor& ids,
                                     const torch::Tensor& mask) {
  const auto& c = encoder.config();
  const auto parameters = encoder.named_parameters();
  const auto& embedding = parameter(parameters, "shared.weight");
  const auto device = embedding.device();
  const auto dtype = encoder.compute_dtype();
  const int64_t batch = ids.size(0);
  const int64_t length = ids.size(1);

  const auto keep = mask.to(device).to(torch::kBool).view({batch, 1, 1, length});
  const auto key_bias = torch::zeros(keep.sizes(), torch::TensorOptions(device).dtype(torch::kFloat32))
                            .masked_fill(keep.logical_not(), std::numeric_limits<float>::lowest());
  const auto buckets = models::umt5_relative_buckets(length, length, c.num_buckets, c.max_distance).to(device);

  auto x = torch::embedding(embedding, ids.to(device, torch::kLong)).to(torch::kFloat32);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string block = "encoder.block." + std::to_string(i) + ".layer.";
    const std::string attn = block + "0.SelfAttention.";
    const std::string ffn = block + "1.DenseReluDense.";

    const auto attn_in = rms_norm(x, parameter(parameters, block + "0.layer_norm.weight"), c.eps).to(dtype);
    auto heads = [&](const std::string& name) {
      return torch::linear(attn_in, parameter(parameters, attn + name))
          .view({batch, length, c.num_heads, c.d_kv})
          .transpose(1, 2);
    };
    const auto q = heads("q.weight");
    const auto k = heads("k.weight");
    const auto v = heads("v.weight");
    auto scores = torch::matmul(q, k.transpose(-1, -2)).to(torch::kFloat32);
    const auto position_bias =
        torch::embedding(parameter(parameters, attn + "relative_attention_bias.weight"), buckets)
            .permute({2, 0, 1})
            .unsqueeze(0);
    scores = scores + position_bias + key_bias;
    const auto probabilities = torch::softmax(scores, -1).to(dtype);
    const auto context = torch::matmul(probabilities, v).transpose(1, 2).reshape({batch, length, -1});
    x = x + torch::linear(context, parameter(parameters, attn + "o.weight")).to(torch::kFloat32);

    const auto ffn_in = rms_norm(x, parameter(parameters, block + "1.layer_norm.weight"), c.eps).to(dtype);
    const auto gated = torch::gelu(torch::linear(ffn_in, parameter(parameters, ffn + "wi_0.weight")), "tanh") *
                       torch::linear(ffn_in, parameter(parameters, ffn + "wi_1.weight"));
    x = x + torch::linear(gated, parameter(parameters, ffn + "wo.weight")).to(torch::kFloat32);
  }
  return rms_norm(x, parameter(parameters, "encoder.final_layer_norm.weight"), c.eps);
}

TrainableTextEncoder::TrainableTextEncoder(models::PromptTokenizer tokenizer, models::UMT5Encoder encoder,
                                           int64_t text_len)
    : tokenizer_(std::move(tokenizer)), encoder_(std::move(encoder)), text_len_(text_len) {
  if (text_len_ < 1) fail(ErrorKind::InvalidArgument, "text_len must be at least 1, got {}", text_len_);
  if (tokenizer_.vocab_size() > encoder_->config().vocab_size) {
    fail(ErrorKind::InvalidArgument, "the tokenizer {} has {} pieces but the umT5 embedding only {} rows",
         tokenizer_.path().string(), tokenizer_.vocab_size(), encoder_->config().vocab_size);
  }
}

torch::Tensor TrainableTextEncoder::encode(const std::vector<std::string>& prompts) {
  const auto tokens = tokenize_prompts(tokenizer_, prompts, text_len_);
  const auto hidden = umt5_forward_with_grad(*encoder_, tokens.ids, tokens.mask);
  // Rows past each prompt's tokens are zero and the context is zero-padded to text_len, exactly as
  // models::TextEncoder::encode builds it (the DiT attends to the padding rows).
  const auto keep = tokens.mask.to(hidden.device()).to(torch::kBool).unsqueeze(-1);
  const auto trimmed = torch::where(keep, hidden, torch::zeros({}, hidden.options()));
  return torch::constant_pad_nd(trimmed, {0, 0, 0, text_len_ - trimmed.size(1)}, 0.0);
}

}  // namespace blade::train
