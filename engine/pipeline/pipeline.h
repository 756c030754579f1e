#pragma once
// Prompt in, clip out: text encoding, the denoising loop (sampler, guidance, attention back end)
// and the VAE decode, with per-step events and cancellation.

#include "core/cancel.h"
#include "core/clip.h"
#include "pipeline/generation_request.h"
#include "pipeline/pipeline_observer.h"
#include "pipeline/wan_model.h"

#include <memory>
#include <vector>

namespace blade::pipeline {

struct GenerationTimings {
  double text_encoding_s = 0.0;
  double denoising_s = 0.0;
  double decoding_s = 0.0;
  double total_s = 0.0;
  std::vector<double> step_ms;
};

struct GenerationResult {
  Clip clip;                     // frames + fps + metadata (the full request, model id, weights hash)
  GenerationTimings timings;
  torch::Tensor final_latents;   // normalised latents [1, C, f, h, w] before decoding (CPU, fp32)
  // Most GPU memory held by tensors at once (model weights included) during each stage and the
  // whole run; zero on the CPU.
  double text_encoding_peak_gb = 0.0;
  double denoising_peak_gb = 0.0;
  double decoding_peak_gb = 0.0;
  double peak_gpu_memory_gb = 0.0;
};

// The initial noise for a request: drawn on the CPU from the seed, so a seed gives the same clip
// on every device.
torch::Tensor initial_noise(uint64_t seed, int64_t channels, int frames, int height, int width);

class Pipeline {
 public:
  explicit Pipeline(std::shared_ptr<WanModel> model) : model_(std::move(model)) {}

  // Throws blade::Error: InvalidArgument (bad request), Cancelled (the token), OutOfMemory, ...
  GenerationResult run(const GenerationRequest& request, PipelineObserver* observer = nullptr,
                       const CancelToken* cancel = nullptr);

  // The denoising loop alone, from given noise (what tests and benchmarks use).
  torch::Tensor denoise(const GenerationRequest& request, torch::Tensor noise, const torch::Tensor& context,
                        const torch::Tensor& negative_context, PipelineObserver* observer, const CancelToken* cancel,
                        std::vector<double>* step_ms = nullptr);

  WanModel& model() { return *model_; }

 private:
  std::shared_ptr<WanModel> model_;
};

// Metadata stored with a clip (see media/clip_metadata.h for the keys).
std::map<std::string, std::string> clip_metadata(const GenerationRequest& request, const LoadedModelInfo& model);

}  // namespace blade::pipeline
