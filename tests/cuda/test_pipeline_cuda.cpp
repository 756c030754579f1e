// The tiny pipeline on CUDA, in fp32 and bf16, agrees with the CPU fp32 result.

#include "check.h"
#include "core/fused_kernels.h"
#include "pipeline/pipeline.h"
#include "test_tensors.h"

#include <torch/cuda.h>

using namespace blade;

namespace {

pipeline::GenerationRequest tiny_request(const std::string& device, const std::string& dtype) {
  pipeline::GenerationRequest r;
  r.prompt = "a small red circle drifts to the left over a blue sky";
  r.negative_prompt = "blurry, static";
  r.seed = 42;
  r.steps = 4;
  r.guidance = 5.0;
  r.frames = 9;
  r.width = 32;
  r.height = 32;
  r.device = device;
  r.dtype = dtype;
  return r;
}

pipeline::GenerationResult generate(const std::string& device, const std::string& dtype) {
  auto model = pipeline::WanModel::load(test::fixture("wan-tiny"), device == "cpu" ? torch::Device(torch::kCPU)
                                                                                   : torch::Device(torch::kCUDA),
                                        dtype == "bf16" ? torch::kBFloat16 : torch::kFloat32);
  pipeline::Pipeline pipe(model);
  return pipe.run(tiny_request(device, dtype));
}

}  // namespace

int main() {
  BLADE_CHECK(torch::cuda::is_available(), "no CUDA device: this test must run on a GPU machine");
  if (!torch::cuda::is_available()) return blade::test::exit_code();

  auto reference = generate("cpu", "f32");
  auto gpu_f32 = generate("cuda", "f32");
  auto gpu_bf16 = generate("cuda", "bf16");
  auto gpu_bf16_composite = [] {
    const FusedKernelsScope composite(false);
    return generate("cuda", "bf16");
  }();

  const double latent_f32 = test::relative_error(gpu_f32.final_latents, reference.final_latents);
  const double latent_bf16 = test::relative_error(gpu_bf16.final_latents, reference.final_latents);
  fmt::print("final latents rel. error: cuda f32 {:.3e}, cuda bf16 {:.3e}\n", latent_f32, latent_bf16);
  BLADE_CHECK(latent_f32 <= 1e-3, "cuda f32 latents differ from the CPU: {}", latent_f32);
  BLADE_CHECK(latent_bf16 <= 3e-2, "cuda bf16 latents differ from the CPU: {}", latent_bf16);

  auto frames = [](const pipeline::GenerationResult& r) { return r.clip.frames.to(torch::kFloat32) / 255.0; };
  const double frame_f32 = (frames(gpu_f32) - frames(reference)).abs().mean().item<double>();
  const double frame_bf16 = (frames(gpu_bf16) - frames(reference)).abs().mean().item<double>();
  const double frame_bf16_composite = (frames(gpu_bf16_composite) - frames(reference)).abs().mean().item<double>();
  fmt::print("mean abs frame difference: cuda f32 {:.4f}, cuda bf16 {:.4f} (composite norms {:.4f})\n", frame_f32,
             frame_bf16, frame_bf16_composite);
  BLADE_CHECK(frame_f32 <= 2.0 / 255.0, "cuda f32 frames differ: {}", frame_f32);
  // bf16 rounding of a tiny random model, amplified by guidance 5 over 4 steps: 0.019 with the
  // composite norms and 0.022 with the fused ones (H200, 2026-11-28), either side of the old 0.02.
  BLADE_CHECK(frame_bf16 <= 0.03, "cuda bf16 frames differ: {}", frame_bf16);
  BLADE_CHECK(frame_bf16_composite <= 0.03, "cuda bf16 frames with the composite norms differ: {}",
              frame_bf16_composite);

  auto again = generate("cuda", "bf16");
  BLADE_CHECK(torch::equal(again.clip.frames, gpu_bf16.clip.frames), "the same seed gave different bf16 frames on CUDA");
  return blade::test::exit_code();
}
