#pragma once
// Tensor checks and launch-status handling shared by the C++ wrappers of the ASA kernels.

#include "asa_launch.h"

#include <torch/types.h>

#include <string>

namespace blade::kernels::detail {

// Throws blade::Error naming the kernel when a launch (or the call before it) failed.
void check_launch(const LaunchStatus& status, const std::string& what);

ElementType element_type(const torch::Tensor& t);

// Contiguous and 16-byte aligned (the kernels read 16-byte vectors).
torch::Tensor kernel_ready(const torch::Tensor& t);

// The block index as contiguous int64 on `device`; checks its row count (and, when it is on the
// CPU, that every block index is below key_blocks).
struct DeviceIndex {
  torch::Tensor offsets;
  torch::Tensor indices;
};
DeviceIndex device_index(const torch::Tensor& offsets, const torch::Tensor& indices, int64_t rows, int64_t key_blocks,
                         const torch::Device& device);

}  // namespace blade::kernels::detail
