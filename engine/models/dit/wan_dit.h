#pragma once
// The Wan2.1 diffusion transformer (text-to-video), parameter names identical to diffusers'
// WanTransformer3DModel so that diffusers files load by name and original Wan files through
// diffusers_to_original_dit_name.

#include "attention/attention_backend.h"
#include "models/dit/wan_dit_blocks.h"
#include "models/dit/wan_dit_config.h"
#include "models/dit/wan_dit_embeddings.h"
#include "models/dit/wan_dit_layers.h"
#include "models/dit/wan_dit_names.h"

#include <torch/nn/modules/container/modulelist.h>

namespace blade::io {
class WeightStore;
}

namespace blade::models {

class WanDiTImpl : public torch::nn::Module {
 public:
  // Zero parameters on the CPU in fp32 (load weights into it with io::load_module).
  explicit WanDiTImpl(const WanDiTConfig& config);
  WanDiTImpl(const WanDiTConfig& config, const WanDiTPlacement& placement);

  // latents [B, in_ch, F, H, W]; timestep [B] (or one value for all) float holding integer values
  // (int(sigma * 1000)); context [B, L_text, text_dim], already zero-padded by the caller.
  // Returns the velocity [B, out_ch, F, H, W] float32. Self-attention goes through `self_attention`
  // once per block with AttentionCallInfo{block, step_index, (F', H', W')}; q, k, v are
  // [B, heads, L, head_dim] views of [B, L, heads, head_dim] memory.
  torch::Tensor forward(const torch::Tensor& latents, const torch::Tensor& timestep, const torch::Tensor& context,
                        attention::AttentionBackend& self_attention, int step_index = -1);

  // Dtype policy: the Linear/Conv weights of patch embedding, text embedding, attention and FFN
  // (and the inputs of their matmuls) take `dtype`; norms, modulation, the residual stream, the time
  // MLP and the head stay fp32; RoPE and the timestep sinusoid are float64, as in the original Wan.
  void set_compute_dtype(torch::Dtype dtype);
  torch::Dtype compute_dtype() const { return compute_dtype_; }
  const WanDiTConfig& config() const { return config_; }

 private:
  const torch::Tensor& rope_factors(const std::array<int64_t, 3>& grid, torch::Device device);
  // rope_factors with its rows in `order` (a back end's token order), cached for the same order tensor.
  const torch::Tensor& ordered_rope_factors(const std::array<int64_t, 3>& grid, const torch::Tensor& order);
  void check_inputs(const torch::Tensor& latents, const torch::Tensor& timestep, const torch::Tensor& context) const;

  WanDiTConfig config_;
  torch::Dtype compute_dtype_ = torch::kFloat32;
  WanPatchEmbed patch_embedding_{nullptr};
  WanConditionEmbedder condition_embedder_{nullptr};
  torch::nn::ModuleList block_list_{nullptr};
  std::vector<WanBlock> blocks_;
  torch::Tensor head_modulation_;  // "scale_shift_table" [1, 2, dim]: shift, scale
  WanLinear proj_out_{nullptr};

  // RoPE factors of the last grid; the sampler calls forward with the same grid every step.
  std::array<int64_t, 3> rope_grid_{0, 0, 0};
  torch::Tensor rope_factors_;
  std::array<int64_t, 3> ordered_rope_grid_{0, 0, 0};
  torch::Tensor rope_order_, ordered_rope_factors_;
};
TORCH_MODULE(WanDiT);

// Infers the config (WanDiTConfig::infer), creates the DiT on `device` with `compute_dtype`
// (f32, bf16 or f16) and loads every tensor, from either name layout. Throws blade::Error.
WanDiT load_wan_dit(const io::WeightStore& store, torch::Device device, torch::Dtype compute_dtype);
// The same with a known config (e.g. an original-layout file without config.json beside it).
WanDiT load_wan_dit(const io::WeightStore& store, const WanDiTConfig& config, torch::Device device,
                    torch::Dtype compute_dtype);

}  // namespace blade::models
