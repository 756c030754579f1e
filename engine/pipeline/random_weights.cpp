#include "pipeline/random_weights.h"

#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace blade::pipeline {

void randomize_parameters(torch::nn::Module& module, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (const auto& item : module.named_parameters()) {
    const std::string& name = item.key();
    auto p = item.value();
    const bool norm = name.find("norm") != std::string::npos && name.ends_with("weight");
    if (norm || name.ends_with("gamma")) {
      p.normal_(1.0, 0.1);
    } else if (name.ends_with("bias") && name.find("relative_attention_bias") == std::string::npos) {
      p.normal_(0.0, 0.02);
    } else if (name.find("scale_shift_table") != std::string::npos) {
      p.normal_(0.0, 0.1);
    } else if (p.dim() >= 2 && name.find("relative_attention_bias") == std::string::npos && name != "shared.weight") {
      p.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(p[0].numel())));
    } else {
      p.normal_(0.0, 0.5);
    }
  }
}

}  // namespace blade::pipeline
