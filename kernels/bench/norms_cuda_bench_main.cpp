// blade_norms_cuda_bench: times the DiT's query / key norm + RoPE kernel at Wan2.1-1.3B's shape, the
// row held in registers against the two-pass kernel, in alternation on the same inputs.
//   blade_norms_cuda_bench [--tokens 32760] [--heads 12] [--head-dim 128] [--repeats 50] [--rounds 3]
// Prints each kernel's time per call (`repeats` calls back to back), its DRAM rate (x and the RoPE
// table read once, the output written once) and the ratio.

#include "kernels/fused_norms.h"
#include "models/dit/wan_rope.h"

#include <ATen/cuda/CUDAEvent.h>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

using blade::kernels::RmsNormRopeKernel;

// Milliseconds per call of `run`, launched `calls` times back to back between one pair of events
// (so that the host's work before a launch overlaps the kernel before it).
double ms_per_call(const std::function<void()>& run, int calls) {
  at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
  run();  // the GPU busy before the first event
  start.record();
  for (int i = 0; i < calls; ++i) run();
  stop.record();
  stop.synchronize();
  return start.elapsed_time(stop) / calls;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t tokens = 32760, heads = 12, head_dim = 128;
  int repeats = 50, rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      fmt::print(stderr, "{} needs a value\n", arg);
      return 2;
    }
    const std::string value = argv[++i];
    if (arg == "--tokens") tokens = std::stoll(value);
    else if (arg == "--heads") heads = std::stoll(value);
    else if (arg == "--head-dim") head_dim = std::stoll(value);
    else if (arg == "--repeats") repeats = std::stoi(value);
    else if (arg == "--rounds") rounds = std::stoi(value);
    else {
      fmt::print(stderr, "unknown argument {}\n", arg);
      return 2;
    }
  }
  if (repeats < 1 || rounds < 1) {
    fmt::print(stderr, "--repeats and --rounds must be at least 1\n");
    return 2;
  }
  if (!torch::cuda::is_available()) {
    fmt::print(stderr, "no CUDA device\n");
    return 1;
  }
  const auto device = torch::Device(torch::kCUDA);
  const int64_t channels = heads * head_dim;
  const auto x = torch::randn({1, tokens, channels}, torch::TensorOptions().device(device)).to(torch::kBFloat16);
  const auto weight = torch::rand({channels}, torch::TensorOptions().device(device)) + 0.5;
  // A grid of the right token count (frames x 1 x tokens would do as well: the kernel only reads rows).
  const auto rope = blade::models::wan_rope_factors({1, 1, tokens}, head_dim, device);
  auto run = [&](RmsNormRopeKernel kernel) {
    return blade::kernels::rms_norm_rope_cuda(x, weight, 1e-6, rope, head_dim, /*heads_major=*/true, kernel);
  };
  const bool same = torch::equal(run(RmsNormRopeKernel::Automatic), run(RmsNormRopeKernel::TwoPasses));
  const double gigabytes =
      static_cast<double>(2 * x.numel() * x.element_size() + rope.numel() * rope.element_size()) / 1e9;
  fmt::print("bf16 x [1, {}, {}], head_dim {}, heads-major output with RoPE; outputs bitwise equal: {}\n", tokens,
             channels, head_dim, same);
  fmt::print("{:>6} {:>16} {:>8} {:>16} {:>8} {:>8}\n", "round", "in registers ms", "GB/s", "two passes ms", "GB/s",
             "ratio");
  for (int r = 0; r < rounds; ++r) {
    const double registers = ms_per_call([&] { run(RmsNormRopeKernel::Automatic); }, repeats);
    const double two_passes = ms_per_call([&] { run(RmsNormRopeKernel::TwoPasses); }, repeats);
    fmt::print("{:>6} {:>16.4f} {:>8.0f} {:>16.4f} {:>8.0f} {:>7.2f}x\n", r + 1, registers, gigabytes / registers * 1e3,
               two_passes, gigabytes / two_passes * 1e3, two_passes / registers);
  }
  return same ? 0 : 1;
}
