#pragma once
// GPU memory as LibTorch's caching allocator sees it: what tensors hold now, the peak since the
// last reset, and what the card has. Zero everywhere for CPU devices.

#include <torch/types.h>

#include <cstdint>

namespace blade {

struct GpuMemory {
  int64_t allocated_bytes = 0;  // held by live tensors now
  int64_t peak_bytes = 0;       // most held at once since reset_peak_gpu_memory
  int64_t free_bytes = 0;       // free on the card (all processes)
  int64_t total_bytes = 0;      // the card's size
};

GpuMemory gpu_memory(const torch::Device& device);
void reset_peak_gpu_memory(const torch::Device& device);
// Hands cached, unused blocks back to the driver (after a large model part is released).
void release_cached_gpu_memory();

inline double gigabytes(int64_t bytes) { return static_cast<double>(bytes) / 1e9; }

}  // namespace blade
