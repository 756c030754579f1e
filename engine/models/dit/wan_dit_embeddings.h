#pragma once
// The DiT's input side: Conv3d patch embedding and the time / text condition embedder
// (diffusers names patch_embedding.*, condition_embedder.*).

#include "models/dit/wan_dit_config.h"
#include "models/dit/wan_dit_layers.h"

namespace blade::models {

class WanPatchEmbedImpl : public torch::nn::Module {
 public:
  WanPatchEmbedImpl(const WanDiTConfig& config, const WanDiTPlacement& placement);
  // latents [B, C, F, H, W] -> tokens [B, F'H'W', dim] fp32 contiguous, order f*(H'W') + h*W' + w.
  torch::Tensor forward(const torch::Tensor& latents) const;
  void set_dtype(torch::Dtype dtype);

 private:
  std::array<int64_t, 3> patch_{0, 0, 0};
  torch::Tensor weight_;
  torch::Tensor bias_;
};
TORCH_MODULE(WanPatchEmbed);

struct WanConditions {
  torch::Tensor time;             // e  [B, dim] fp32 (drives the head modulation)
  torch::Tensor time_modulation;  // e0 [B, 6, dim] fp32 (drives every block)
  torch::Tensor context;          // [B, L_text, dim] compute dtype
};

class WanConditionEmbedderImpl : public torch::nn::Module {
 public:
  WanConditionEmbedderImpl(const WanDiTConfig& config, const WanDiTPlacement& placement);
  // timestep [B] (integer values as float), text [B, L_text, text_dim].
  WanConditions forward(const torch::Tensor& timestep, const torch::Tensor& text) const;

 private:
  int64_t freq_dim_ = 0;
  int64_t dim_ = 0;
  WanLinear time_1_{nullptr}, time_2_{nullptr}, time_proj_{nullptr}, text_1_{nullptr}, text_2_{nullptr};
};
TORCH_MODULE(WanConditionEmbedder);

}  // namespace blade::models
