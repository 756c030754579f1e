#include "core/gpu_memory.h"

#if __has_include(<c10/cuda/CUDACachingAllocator.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#define BLADE_GPU_MEMORY_STATS 1
#endif

#include <torch/cuda.h>

namespace blade {

#ifdef BLADE_GPU_MEMORY_STATS
namespace {
c10::DeviceIndex index_of(const torch::Device& device) {
  return device.has_index() ? device.index() : c10::cuda::current_device();
}
constexpr size_t kAggregate = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
}  // namespace

GpuMemory gpu_memory(const torch::Device& device) {
  GpuMemory memory;
  if (!device.is_cuda() || !torch::cuda::is_available()) return memory;
  const auto index = index_of(device);
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  memory.allocated_bytes = stats.allocated_bytes[kAggregate].current;
  memory.peak_bytes = stats.allocated_bytes[kAggregate].peak;
  size_t free_bytes = 0, total_bytes = 0;
  c10::cuda::CUDAGuard guard(index);
  if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    memory.free_bytes = static_cast<int64_t>(free_bytes);
    memory.total_bytes = static_cast<int64_t>(total_bytes);
  }
  return memory;
}

void reset_peak_gpu_memory(const torch::Device& device) {
  if (device.is_cuda() && torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(index_of(device));
}

void release_cached_gpu_memory() {
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
}
#else
GpuMemory gpu_memory(const torch::Device&) { return {}; }
void reset_peak_gpu_memory(const torch::Device&) {}
void release_cached_gpu_memory() {}
#endif

}  // namespace blade
