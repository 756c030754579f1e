#pragma once
// Whether the models use their fused CUDA kernels (DiT norms and RoPE, VAE norms) where those apply.
// On by default; tests and benchmarks switch it off to run the composite reference in the same process.

namespace blade {

void set_fused_kernels(bool enabled);
bool fused_kernels_enabled();

}  // namespace blade
