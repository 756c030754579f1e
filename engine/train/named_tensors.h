#pragma once
// Lists of (name, tensor) used to move parameters and training state in and out of checkpoints.

#include <torch/nn/module.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace blade::train {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The module's parameters in registration order, each name prefixed.
NamedTensors named_parameters_of(const torch::nn::Module& module, const std::string& prefix);

// Copies (no gradient) tensors[prefix + name] into each parameter of `module`; throws BadWeights
// naming `source` and the missing or mis-shaped tensor.
void copy_into_module(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors,
                      const std::string& prefix, const std::string& source);

}  // namespace blade::train
