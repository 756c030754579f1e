#include "train/model_init.h"

#include "core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace blade::train {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void fill_normal(torch::Tensor& parameter, double std, at::Generator& generator) {
  const auto values = torch::randn(parameter.sizes(), generator, torch::TensorOptions().dtype(torch::kFloat32));
  parameter.copy_(values * std);
}

void fill_xavier_uniform(torch::Tensor& parameter, at::Generator& generator) {
  const int64_t fan_out = parameter.size(0);
  const int64_t fan_in = parameter.numel() / fan_out;
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  const auto values = torch::rand(parameter.sizes(), generator, torch::TensorOptions().dtype(torch::kFloat32));
  parameter.copy_((values * 2.0 - 1.0) * bound);
}

}  // namespace

void initialize_wan_dit(models::WanDiTImpl& dit, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const double dim = static_cast<double>(dit.config().dim);
  for (auto& item : dit.named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    if (ends_with(name, "norm_q.weight") || ends_with(name, "norm_k.weight") || ends_with(name, "norm2.weight")) {
      p.fill_(1.0);
    } else if (ends_with(name, "scale_shift_table")) {
      fill_normal(p, 1.0 / std::sqrt(dim), generator);
    } else if (name.rfind("proj_out.", 0) == 0 || ends_with(name, ".bias")) {
      p.zero_();
    } else if (name.rfind("condition_embedder.text_embedder.", 0) == 0 ||
               name.rfind("condition_embedder.time_embedder.", 0) == 0) {
      fill_normal(p, 0.02, generator);
    } else if (ends_with(name, ".weight") && p.dim() >= 2) {
      fill_xavier_uniform(p, generator);
    } else {
      fail(ErrorKind::Internal, "no initialisation rule for Wan DiT parameter '{}' of {} dims", name, p.dim());
    }
  }
}

void initialize_umt5(models::UMT5EncoderImpl& encoder, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const auto& c = encoder.config();
  const double d_model = static_cast<double>(c.d_model);
  const double inner = static_cast<double>(c.num_heads * c.d_kv);
  for (auto& item : encoder.named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    double std = 0.0;
    if (ends_with(name, "layer_norm.weight")) {
      p.fill_(1.0);
      continue;
    } else if (name == "shared.weight") {
      std = 1.0;
    } else if (ends_with(name, "SelfAttention.q.weight")) {
      std = 1.0 / std::sqrt(d_model * static_cast<double>(c.d_kv));
    } else if (ends_with(name, "SelfAttention.k.weight") || ends_with(name, "SelfAttention.v.weight") ||
               ends_with(name, "relative_attention_bias.weight") || ends_with(name, "wi_0.weight") ||
               ends_with(name, "wi_1.weight")) {
      std = 1.0 / std::sqrt(d_model);
    } else if (ends_with(name, "SelfAttention.o.weight")) {
      std = 1.0 / std::sqrt(inner);
    } else if (ends_with(name, "wo.weight")) {
      std = 1.0 / std::sqrt(static_cast<double>(c.d_ff));
    } else {
      fail(ErrorKind::Internal, "no initialisation rule for umT5 parameter '{}'", name);
    }
    fill_normal(p, std, generator);
  }
}

}  // namespace blade::train
