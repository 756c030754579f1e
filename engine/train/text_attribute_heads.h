#pragma once
// Linear read-outs of the world's attributes (text_attribute_targets.h) from a text encoder's
// hidden states, averaged over each prompt's tokens. A linear read-out of the average only
// succeeds when the encoder writes every attribute, bound to its object, into the tokens
// themselves, which is where the DiT's cross-attention looks for it.

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <vector>

namespace blade::train {

class TextAttributeHeadsImpl : public torch::nn::Module {
 public:
  explicit TextAttributeHeadsImpl(int64_t d_model);

  // hidden [B, L, d_model], mask [B, L] (1 for the prompt's tokens) -> logits [B, all classes].
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& mask);

 private:
  torch::nn::Linear readout_{nullptr};
};
TORCH_MODULE(TextAttributeHeads);

// Cross-entropy of each stated attribute, averaged over the attributes (targets [B, A], kNotStated
// where the prompt does not state it).
torch::Tensor text_attribute_loss(const torch::Tensor& logits, const torch::Tensor& targets);

// Share of the stated values read correctly, per attribute (text_attributes() order); -1 where no
// prompt of the batch states the attribute.
std::vector<double> text_attribute_accuracy(const torch::Tensor& logits, const torch::Tensor& targets);

}  // namespace blade::train
