#pragma once
// Parsing of the device and dtype names users type ("cpu", "cuda", "cuda:1"; "f32", "bf16").

#include <torch/types.h>

#include <string>

namespace blade {

torch::Device parse_device(const std::string& name);  // throws InvalidArgument; checks availability
torch::Dtype parse_dtype(const std::string& name);    // "f32" | "bf16" | "f16"
std::string dtype_name(torch::Dtype dtype);
std::string device_name(const torch::Device& device);  // "cpu", "cuda:0"

// `host` on `device`, queued behind the work already on the device's current stream. A plain copy
// from pageable host memory waits until that stream is idle, which leaves the GPU without work
// while the host queues the next kernels; a copy from page-locked memory does not wait.
torch::Tensor upload_without_waiting(const torch::Tensor& host, const torch::Device& device);

}  // namespace blade
