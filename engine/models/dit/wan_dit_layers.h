#pragma once
// Parameter-only building blocks of the Wan DiT. Unlike torch::nn::Linear they do no random
// initialisation (1.4 B parameters would take seconds), and they are created directly on the
// device and in the dtype the weights will be loaded into.

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace blade::models {

// Where and how the parameters of a DiT are created.
struct WanDiTPlacement {
  torch::Device device = torch::kCPU;
  torch::Dtype compute_dtype = torch::kFloat32;  // Linear/Conv weights of the matmul-heavy layers
  bool zero_fill = true;                         // false: uninitialised memory, for loading weights into

  // fp32 tensor (norms, modulation, time MLP, head) or, with `matmul`, one of compute_dtype.
  torch::Tensor make(at::IntArrayRef shape, bool matmul) const;
};

// y = x W^T + b, with x cast to W's dtype (fused bias through at::linear / addmm). `matmul`: its
// weights follow the compute dtype; otherwise they stay fp32 (time MLP, head).
class WanLinearImpl : public torch::nn::Module {
 public:
  WanLinearImpl(int64_t in_features, int64_t out_features, const WanDiTPlacement& placement, bool matmul);
  torch::Tensor forward(const torch::Tensor& x) const;
  const torch::Tensor& weight() const { return weight_; }
  const torch::Tensor& bias() const { return bias_; }
  bool follows_compute_dtype() const { return matmul_; }
  void set_dtype(torch::Dtype dtype);

  // A low-rank update applied at run time: y += scale * (x down^T) up^T, with down [r, in] and
  // up [out, r] in the weight's dtype and device. Not a registered parameter: the module's state
  // (and what load_module and export see) stays the base model.
  void set_low_rank_update(torch::Tensor down, torch::Tensor up, double scale);
  void clear_low_rank_update();
  bool has_low_rank_update() const { return lora_down_.defined(); }
  // Adds scale * up @ down to the weight (computed in fp32, stored in the weight's dtype).
  void merge_low_rank_update(const torch::Tensor& down, const torch::Tensor& up, double scale);

 private:
  bool matmul_ = true;
  torch::Tensor weight_;
  torch::Tensor bias_;
  torch::Tensor lora_down_, lora_up_;
  double lora_scale_ = 0.0;
};
TORCH_MODULE(WanLinear);

// A module that only holds a 1-D "weight" (and optionally "bias") for a norm.
class WanNormParamsImpl : public torch::nn::Module {
 public:
  WanNormParamsImpl(int64_t dim, bool with_bias, const WanDiTPlacement& placement);
  const torch::Tensor& weight() const { return weight_; }
  const torch::Tensor& bias() const { return bias_; }

 private:
  torch::Tensor weight_;
  torch::Tensor bias_;
};
TORCH_MODULE(WanNormParams);

// A parameterless module whose only purpose is a level in the parameter names ("to_out.0").
class WanNameLevelImpl : public torch::nn::Module {
 public:
  WanNameLevelImpl() = default;
};
TORCH_MODULE(WanNameLevel);

// Residual update x + y * gate (gate may be undefined: x + y), fp32. In place unless autograd is
// recording through x, y or gate, so that the 32k-token residual stream is not reallocated per block.
torch::Tensor residual_add(torch::Tensor x, const torch::Tensor& y, const torch::Tensor& gate);

// LayerNorm in fp32 then x * (1 + scale) + shift; affine norm parameters optional.
torch::Tensor modulated_layer_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale,
                                   double eps);

}  // namespace blade::models
