#include "train/named_tensors.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

namespace blade::train {

NamedTensors named_parameters_of(const torch::nn::Module& module, const std::string& prefix) {
  NamedTensors out;
  for (const auto& item : module.named_parameters()) out.emplace_back(prefix + item.key(), item.value());
  return out;
}

void copy_into_module(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors,
                      const std::string& prefix, const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) {
    const std::string name = prefix + item.key();
    const auto found = tensors.find(name);
    if (found == tensors.end()) fail(ErrorKind::BadWeights, "{}: tensor '{}' is missing", source, name);
    if (found->second.sizes() != item.value().sizes()) {
      fail(ErrorKind::BadWeights, "{}: tensor '{}' has shape {}, expected {}", source, name,
           shape_string(found->second.sizes()), shape_string(item.value().sizes()));
    }
    item.value().copy_(found->second);
  }
}

}  // namespace blade::train
