// The world renders the same clips on CUDA as on the CPU, batched, and the judge accepts them.

#include "check.h"
#include "eval/judge.h"
#include "test_tensors.h"
#include "world/world_batch.h"

#include <torch/cuda.h>

#include <chrono>

using namespace blade;

int main() {
  BLADE_CHECK(torch::cuda::is_available(), "no CUDA device: this test must run on a GPU machine");
  if (!torch::cuda::is_available()) return blade::test::exit_code();

  world::BatchRequest request;
  request.seed = 2024;
  request.size = 16;
  request.format = {17, 128, 128};
  const world::WorldBatch cpu = world::make_batch(request);
  request.render.device = torch::kCUDA;
  const world::WorldBatch gpu = world::make_batch(request);
  BLADE_CHECK(gpu.video.is_cuda(), "expected the batch on the GPU");
  const double error = test::relative_error(gpu.video, cpu.video);
  const double worst = (gpu.video.cpu() - cpu.video).abs().max().item<double>();
  std::printf("CUDA vs CPU render, 16 x [3, 17, 128, 128]: relative error %.2e, max abs %.2e\n", error, worst);
  BLADE_CHECK(error < 1e-5, "relative error {}", error);
  BLADE_CHECK(worst < 1e-4, "max abs difference {}", worst);

  request.render.dtype = torch::kBFloat16;
  const auto bf16 = world::make_batch(request).video;
  const double bf16_error = test::relative_error(bf16, cpu.video);
  std::printf("bf16 render vs fp32 CPU: relative error %.2e\n", bf16_error);
  BLADE_CHECK(bf16.scalar_type() == torch::kBFloat16 && bf16_error < 5e-3, "bf16 relative error {}", bf16_error);

  double overall = 0;
  for (int64_t i = 0; i < request.size; ++i)
    overall += eval::judge_clip(gpu.video[i], gpu.scenes[i].attributes).scores.overall / request.size;
  std::printf("judge on GPU-rendered clips: mean overall %.4f\n", overall);
  BLADE_CHECK(overall >= 0.97, "mean overall {}", overall);

  // Informational: the cost of rendering training batches on the fly.
  request.render.dtype = torch::kFloat32;
  request.size = 32;
  world::make_batch(request);
  torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    request.seed = 100 + i;
    world::make_batch(request);
  }
  torch::cuda::synchronize();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 5;
  std::printf("make_batch of 32 x [3, 17, 128, 128] on CUDA: %.1f ms\n", ms);
  return blade::test::exit_code();
}
