#pragma once
// The one map between the original Wan2.1 VAE tensor names (encoder.downsamples.3.residual.2.weight)
// and diffusers' AutoencoderKLWan names (encoder.down_blocks.3.conv1.weight). The decoder's flat
// `upsamples.K` list groups into up_blocks of num_res_blocks + 1 resnets plus one upsampler, so the
// map needs num_res_blocks (2 in the released model). Names outside the VAE layout pass unchanged.

#include <cstdint>
#include <string>

namespace blade::models {

std::string original_to_diffusers_vae_name(const std::string& name, int64_t num_res_blocks = 2);
std::string diffusers_to_original_vae_name(const std::string& name, int64_t num_res_blocks = 2);

}  // namespace blade::models
