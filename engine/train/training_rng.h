#pragma once
// The random streams of a training run, saved in checkpoints so that a resumed run draws exactly
// what the uninterrupted one would have: a CPU generator (prompt dropout, sigmas, timestep picks)
// and a generator of the training device for the noise drawn there (the CPU generator on the CPU).

#include "train/named_tensors.h"

#include <ATen/core/Generator.h>

namespace blade::train {

class TrainingRng {
 public:
  TrainingRng(uint64_t seed, torch::Device device);

  at::Generator& cpu() { return cpu_; }
  at::Generator& device() { return on_cpu_ ? cpu_ : device_; }

  // Standard normal noise of `shape` on the training device, from device().
  torch::Tensor randn(at::IntArrayRef shape);
  // One U[0, 1) draw from the CPU generator.
  double uniform();
  // A uniform integer in [low, high] from the CPU generator.
  int64_t integer(int64_t low, int64_t high);

  NamedTensors state() const;  // "rng.cpu" [, "rng.device"]: uint8 generator states
  void restore(const std::map<std::string, torch::Tensor>& tensors, const std::string& source);

 private:
  torch::Device target_;
  bool on_cpu_ = true;
  at::Generator cpu_;
  at::Generator device_;
};

}  // namespace blade::train
