#include "core/device.h"

#include "core/error.h"

#include <torch/cuda.h>

namespace blade {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available()) {
      fail(ErrorKind::Unsupported, "device '{}' was asked for, but no CUDA GPU is available here", name);
    }
    int index = 0;
    if (name.size() > 5) {
      try {
        index = std::stoi(name.substr(5));
      } catch (const std::exception&) {
        fail(ErrorKind::InvalidArgument, "unknown device '{}': expected cpu, cuda or cuda:N", name);
      }
    }
    const int count = static_cast<int>(torch::cuda::device_count());
    if (index < 0 || index >= count) {
      fail(ErrorKind::InvalidArgument, "device '{}' does not exist: this machine has {} CUDA device(s)",
           name, count);
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  fail(ErrorKind::InvalidArgument, "unknown device '{}': expected cpu, cuda or cuda:N", name);
}

torch::Dtype parse_dtype(const std::string& name) {
  if (name == "f32" || name == "fp32" || name == "float32") return torch::kFloat32;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  if (name == "f16" || name == "fp16" || name == "float16") return torch::kFloat16;
  fail(ErrorKind::InvalidArgument, "unknown dtype '{}': expected f32, bf16 or f16", name);
}

std::string dtype_name(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32: return "f32";
    case torch::kBFloat16: return "bf16";
    case torch::kFloat16: return "f16";
    default: return std::string(c10::toString(dtype));
  }
}

std::string device_name(const torch::Device& device) {
  return device.str();
}

torch::Tensor upload_without_waiting(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda() || !host.device().is_cpu()) return host.to(device);
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace blade
