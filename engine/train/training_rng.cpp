#include "train/training_rng.h"

#include "core/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/torch.h>

#include <mutex>

namespace blade::train {
namespace {

torch::Tensor state_of(at::Generator generator) {  // a handle: the copy shares the generator
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_state(at::Generator& generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state.to(torch::kCPU, torch::kUInt8).contiguous());
}

}  // namespace

TrainingRng::TrainingRng(uint64_t seed, torch::Device device)
    : target_(device), on_cpu_(device.is_cpu()), cpu_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  if (device.is_cuda()) {
    device_ = at::detail::getCUDAHooks().getNewGenerator(device.has_index() ? device.index() : 0);
    std::lock_guard<std::mutex> lock(device_.mutex());
    // A different stream from the CPU one; splitmix-style constant keeps the two seeds apart.
    device_.set_current_seed(seed ^ 0x9E3779B97F4A7C15ull);
  } else if (!device.is_cpu()) {
    fail(ErrorKind::Unsupported, "training runs on cpu or cuda, not {}", device.str());
  }
}

torch::Tensor TrainingRng::randn(at::IntArrayRef shape) {
  return torch::randn(shape, device(), torch::TensorOptions().dtype(torch::kFloat32).device(target_));
}

double TrainingRng::uniform() {
  return torch::rand({1}, cpu_, torch::TensorOptions().dtype(torch::kFloat64)).item<double>();
}

int64_t TrainingRng::integer(int64_t low, int64_t high) {
  if (high < low) fail(ErrorKind::Internal, "random integer range [{}, {}] is empty", low, high);
  return torch::randint(low, high + 1, {1}, cpu_, torch::TensorOptions().dtype(torch::kLong)).item<int64_t>();
}

NamedTensors TrainingRng::state() const {
  NamedTensors out{{"rng.cpu", state_of(cpu_)}};
  if (!on_cpu_) out.emplace_back("rng.device", state_of(device_));
  return out;
}

void TrainingRng::restore(const std::map<std::string, torch::Tensor>& tensors, const std::string& source) {
  auto take = [&](const std::string& name) -> const torch::Tensor& {
    const auto found = tensors.find(name);
    if (found == tensors.end()) fail(ErrorKind::BadWeights, "{}: random generator state '{}' is missing", source, name);
    return found->second;
  };
  set_state(cpu_, take("rng.cpu"));
  if (!on_cpu_) {
    // A checkpoint written on the CPU has no device stream: keep the freshly seeded one.
    if (tensors.count("rng.device")) set_state(device_, take("rng.device"));
  }
}

}  // namespace blade::train
