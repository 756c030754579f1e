#pragma once
// The shape of a Wan-VAE (2.1 layout), read from the tensor shapes of its weights.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace blade::io {
class WeightStore;
}

namespace blade::models {

struct WanVAEConfig {
  int64_t base_dim = 96;
  int64_t z_dim = 16;
  int64_t num_res_blocks = 2;
  std::vector<int64_t> dim_mult{1, 2, 4, 4};
  std::vector<bool> temporal_downsample{false, true, true};
  bool norm_bias = false;  // RMS norms with a bias term (not in the released Wan2.1 VAE)
  std::vector<double> latents_mean;  // z_dim values each
  std::vector<double> latents_std;

  WanVAEConfig();

  // From the shapes of `store` (diffusers or original Wan names), plus latents_mean/std from a
  // diffusers vae/config.json beside the weights when there is one. Throws BadWeights/Unsupported.
  static WanVAEConfig infer(const io::WeightStore& store);
  // The same from diffusers names -> shapes (latents_mean/std keep their defaults).
  static WanVAEConfig infer_from_shapes(const std::map<std::string, std::vector<int64_t>>& shapes,
                                        const std::string& source);

  int64_t time_factor() const;     // 4 for Wan2.1: frames per latent frame after the first
  int64_t spatial_factor() const;  // 8 for Wan2.1
  std::string describe() const;
};

// The 16 per-channel constants of Wan2.1 (wan21.md).
const std::vector<double>& wan21_latents_mean();
const std::vector<double>& wan21_latents_std();

}  // namespace blade::models
