#include "asa_cuda_checks.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <cuda_runtime_api.h>

namespace blade::kernels::detail {

void check_launch(const LaunchStatus& status, const std::string& what) {
  if (status.error == cudaSuccess) return;
  const ErrorKind kind = status.error == cudaErrorMemoryAllocation ? ErrorKind::OutOfMemory : ErrorKind::Internal;
  fail(kind, "CUDA kernel {} ({}) failed: {} ({})", status.kernel, what, cudaGetErrorString(status.error),
       static_cast<int>(status.error));
}

ElementType element_type(const torch::Tensor& t) {
  if (t.scalar_type() == torch::kBFloat16) return ElementType::BFloat16;
  if (t.scalar_type() == torch::kFloat16) return ElementType::Float16;
  fail(ErrorKind::Internal, "ASA CUDA kernels take bfloat16 or float16, got {}", c10::toString(t.scalar_type()));
}

torch::Tensor kernel_ready(const torch::Tensor& t) {
  auto c = t.contiguous();
  if (reinterpret_cast<uintptr_t>(c.data_ptr()) % 16 != 0) c = c.clone();
  return c;
}

DeviceIndex device_index(const torch::Tensor& offsets, const torch::Tensor& indices, int64_t rows, int64_t key_blocks,
                         const torch::Device& device) {
  if (offsets.dim() != 1 || offsets.numel() != rows + 1 || indices.dim() != 1) {
    fail(ErrorKind::InvalidArgument,
         "block-sparse attention: the block index has offsets {} and indices {}, expected {} rows (batch x heads x "
         "query blocks) + 1 offsets",
         shape_string(offsets.sizes()), shape_string(indices.sizes()), rows);
  }
  if (indices.device().is_cpu() && indices.numel() > 0) {
    const auto bounds = indices.aminmax();
    const int64_t smallest = std::get<0>(bounds).item<int64_t>(), largest = std::get<1>(bounds).item<int64_t>();
    if (smallest < 0 || largest >= key_blocks) {
      fail(ErrorKind::InvalidArgument, "block-sparse attention: key block index {} outside [0, {})",
           smallest < 0 ? smallest : largest, key_blocks);
    }
  }
  auto move = [&](const torch::Tensor& t) { return t.to(device, torch::kInt64).contiguous(); };
  return {move(offsets), move(indices)};
}

}  // namespace blade::kernels::detail
