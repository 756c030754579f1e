#pragma once
// Timing of the ASA CUDA kernels on random inputs for `blade bench attention` and the standalone
// blade_asa_cuda_bench program. Not a test: the numbers depend on the card.

#include <cstdint>
#include <string>

namespace blade::kernels {

struct SparseBenchShape {
  int64_t batch = 1;
  int64_t heads = 12;
  int64_t tokens = 32760;  // Wan2.1-1.3B 480x832x81
  int64_t dim = 128;
  int64_t block_size = 128;
  double sparsity = 0.9;       // each query block keeps clamp(ceil((1 - s) * key_blocks), 1, key_blocks) random blocks
  bool bf16 = true;            // else float16
  int64_t pool_tokens = 0;     // > 0: ASA-GT with one global token per pool_tokens tokens
  bool pool_bias_loads = false;  // ASA-GT: give the kernel the bias as a tensor only (read per score)
  bool backward = false;       // also time the backward
  bool probe = false;          // also time the probe (fixed-sparsity mode, 16 samples per block)
  bool dense_baseline = true;  // also time torch::scaled_dot_product_attention on the same shape
  int forward_kernel = 0;      // set_forward_kernel's choice for this run (restored to 0 after)
  int warmup = 3;
  int repeats = 20;
  uint64_t seed = 0;
  int device = 0;              // CUDA device index
};

struct SparseBenchResult {
  std::string card;             // the device's name
  double kept_fraction = 0.0;   // kept key blocks / all
  double forward_ms = 0.0;      // medians over repeats, CUDA events
  double forward_tflops = 0.0;  // 4 B H Lq D (kept keys + global) / time
  double mma_sync_forward_ms = 0.0;  // the mma.sync forward on the same inputs, when the Hopper one ran above
  double backward_ms = 0.0;     // 0 when not asked for
  double backward_tflops = 0.0; // 2.5 x the forward's FLOPs / time
  double probe_ms = 0.0;        // 0 when not asked for (probe + selection + index)
  double dense_ms = 0.0;        // SDPA on the same shape, 0 when not asked for
  double dense_tflops = 0.0;    // 4 B H L^2 D / time
  double dense_backward_ms = 0.0;  // SDPA backward (forward + backward - forward), with `backward`
};

// Throws blade::Error (Unsupported) when CUDA or the shape is not available.
SparseBenchResult bench_block_sparse_cuda(const SparseBenchShape& shape);

// Tuning: keys per tile of the mma.sync forward kernel (32 or 64; 0 restores the default for each shape).
void set_forward_key_tile(int keys);
// The forward kernel: 0 the Hopper (wgmma) kernel where it applies (block size 128 on an sm_90 GPU),
// else mma.sync (the default, with the Hopper kernel's consumer warpgroups taking turns on the tensor
// cores); 1 always mma.sync; 2 always Hopper, warpgroups independent (launches fail where it does not
// apply); 3 always Hopper, taking turns.
void set_forward_kernel(int kernel);
// Whether the Hopper forward kernel runs for this head dim and block size on the current device.
bool hopper_forward_available(int64_t dim, int64_t block_size);
// Tuning: keys per thread block of the backward (64, or 128 with block size 128; 0: default).
void set_backward_key_tile(int keys);
// Tuning: the probe as one fused kernel (1) or a scores kernel plus a selection kernel (2), the latter
// with the Hopper (wgmma) scores kernel where it applies (3: sm_90, at most 16 samples); 0: default (3).
void set_probe_variant(int variant);

}  // namespace blade::kernels
