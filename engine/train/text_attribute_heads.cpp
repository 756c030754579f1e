#include "train/text_attribute_heads.h"

#include "core/error.h"
#include "core/tensor_format.h"
#include "train/text_attribute_targets.h"

#include <torch/torch.h>

namespace blade::train {
namespace {

int64_t total_classes() {
  int64_t total = 0;
  for (const auto& attribute : text_attributes()) total += attribute.classes;
  return total;
}

void check_shapes(const torch::Tensor& logits, const torch::Tensor& targets) {
  const auto attribute_count = static_cast<int64_t>(text_attributes().size());
  if (logits.dim() != 2 || logits.size(1) != total_classes() || targets.dim() != 2 ||
      targets.size(0) != logits.size(0) || targets.size(1) != attribute_count) {
    fail(ErrorKind::InvalidArgument, "attribute logits must be [B, {}] and targets [B, {}], got {} and {}",
         total_classes(), attribute_count, shape_string(logits.sizes()), shape_string(targets.sizes()));
  }
}

}  // namespace

TextAttributeHeadsImpl::TextAttributeHeadsImpl(int64_t d_model) {
  readout_ = register_module("readout", torch::nn::Linear(d_model, total_classes()));
}

torch::Tensor TextAttributeHeadsImpl::forward(const torch::Tensor& hidden, const torch::Tensor& mask) {
  const auto weights = mask.to(hidden.device(), hidden.scalar_type()).unsqueeze(-1);
  const auto mean = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0);
  return readout_(mean);
}

torch::Tensor text_attribute_loss(const torch::Tensor& logits, const torch::Tensor& targets) {
  check_shapes(logits, targets);
  const auto on_device = targets.to(logits.device());
  // Which attributes the batch states, read on the CPU (no device round trip per attribute).
  const auto stated_anywhere = (targets.to(torch::kCPU) != kNotStated).any(0);
  torch::Tensor total = torch::zeros({}, logits.options());
  int64_t stated_attributes = 0;
  int64_t first = 0;
  for (size_t a = 0; a < text_attributes().size(); ++a) {
    const int64_t classes = text_attributes()[a].classes;
    const auto column = on_device.select(1, static_cast<int64_t>(a));
    if (stated_anywhere[static_cast<int64_t>(a)].item<bool>()) {
      total = total + torch::nn::functional::cross_entropy(
                          logits.narrow(1, first, classes), column,
                          torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kNotStated));
      ++stated_attributes;
    }
    first += classes;
  }
  return total / static_cast<double>(std::max<int64_t>(stated_attributes, 1));
}

std::vector<double> text_attribute_accuracy(const torch::Tensor& logits, const torch::Tensor& targets) {
  check_shapes(logits, targets);
  const auto cpu_logits = logits.detach().to(torch::kCPU);
  std::vector<double> accuracy;
  int64_t first = 0;
  for (size_t a = 0; a < text_attributes().size(); ++a) {
    const int64_t classes = text_attributes()[a].classes;
    const auto column = targets.select(1, static_cast<int64_t>(a)).to(torch::kCPU);
    const auto stated = column != kNotStated;
    const auto stated_count = stated.sum().item<int64_t>();
    if (stated_count == 0) {
      accuracy.push_back(-1.0);
    } else {
      const auto predicted = cpu_logits.narrow(1, first, classes).argmax(1);
      const auto correct = ((predicted == column) & stated).sum().item<int64_t>();
      accuracy.push_back(static_cast<double>(correct) / static_cast<double>(stated_count));
    }
    first += classes;
  }
  return accuracy;
}

}  // namespace blade::train
