#include "pipeline/pipeline.h"

#include "attention/attention_factory.h"
#include "core/device.h"
#include "core/error.h"
#include "core/gpu_memory.h"
#include "core/log.h"
#include "core/profile_scope.h"
#include "core/version.h"
#include "media/clip_metadata.h"
#include "sampling/guidance.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace blade::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct LatentGeometry {
  int64_t channels, frames, height, width;
};

LatentGeometry latent_geometry(WanModel& model, const GenerationRequest& request) {
  const auto& codec = model.codec();
  const int64_t spatial = codec.spatial_factor();
  const auto& dit = model.dit()->config();
  if (request.height % (spatial * dit.patch[1]) != 0 || request.width % (spatial * dit.patch[2]) != 0) {
    fail(ErrorKind::InvalidArgument, "size {}x{} is not a multiple of {} for this model", request.width,
         request.height, spatial * dit.patch[1]);
  }
  return {dit.in_channels, codec.latent_frames(request.frames), request.height / spatial, request.width / spatial};
}

std::string attention_summary(const AttentionSettings& attention) {
  if (attention.backend == "dense") return attention.backend;
  const auto& asa = attention.asa;
  if (asa.fixed_sparsity) return fmt::format("{} sparsity={} block={}", attention.backend, *asa.fixed_sparsity, asa.block_size);
  return fmt::format("{} tau={} keep={}..{} block={}", attention.backend, asa.tau, asa.min_keep, asa.max_keep,
                     asa.block_size);
}

sampling::Schedule schedule_for(const GenerationRequest& request) {
  if (request.sampler == sampling::SamplerKind::Tdm) return sampling::make_tdm_schedule(request.steps);
  return sampling::make_schedule(request.schedule, request.steps, request.shift);
}

}  // namespace

const char* to_string(Stage stage) {
  switch (stage) {
    case Stage::EncodingText: return "encoding text";
    case Stage::Denoising: return "denoising";
    case Stage::Decoding: return "decoding";
    case Stage::Done: return "done";
  }
  return "?";
}

torch::Tensor initial_noise(uint64_t seed, int64_t channels, int frames, int height, int width) {
  auto generator = at::detail::createCPUGenerator(seed);
  return at::randn({1, channels, frames, height, width}, generator, torch::kFloat32);
}

std::map<std::string, std::string> clip_metadata(const GenerationRequest& request, const LoadedModelInfo& model) {
  namespace key = media::metadata_keys;
  return {
      {key::kPrompt, request.prompt},
      {key::kNegativePrompt, request.negative_prompt},
      {key::kSeed, std::to_string(request.seed)},
      {key::kSteps, std::to_string(request.steps)},
      {key::kGuidance, fmt::format("{}", request.guidance)},
      {key::kShift, fmt::format("{}", request.shift)},
      {key::kSampler, sampling::to_string(request.sampler)},
      {key::kAttention, attention_summary(request.attention)},
      {key::kModel, model.id},
      {key::kWeightsHash, model.weights_hash},
      {key::kFrames, std::to_string(request.frames)},
      {key::kSize, fmt::format("{}x{}", request.width, request.height)},
      {key::kVersion, kVersion},
      {key::kRequest, to_json(request).dump()},
  };
}

torch::Tensor Pipeline::denoise(const GenerationRequest& request, torch::Tensor latents, const torch::Tensor& context,
                                const torch::Tensor& negative_context, PipelineObserver* observer,
                                const CancelToken* cancel, std::vector<double>* step_ms) {
  torch::NoGradGuard no_grad;
  const bool guided = negative_context.defined();
  auto sampler = sampling::make_sampler(request.sampler, schedule_for(request), {request.eta, request.seed});
  const auto& schedule = sampler->schedule();
  auto backend = attention::make_attention_backend(request.attention.backend, request.attention.asa);
  if (observer && observer->wants_attention_stats()) backend->set_observer(observer);

  auto& dit = *model_->dit();
  const auto device = model_->device();
  const auto run_start = Clock::now();
  latents = upload_without_waiting(latents.to(torch::kFloat32), device);
  for (int i = 0; i < schedule.steps(); ++i) {
    throw_if_cancelled(cancel, fmt::format("before step {} of {}", i + 1, schedule.steps()));
    const auto step_start = Clock::now();
    auto timestep = torch::full({1}, static_cast<double>(schedule.timesteps[i]), torch::TensorOptions(device).dtype(torch::kFloat32));
    auto velocity = dit.forward(latents, timestep, context, *backend, i);
    if (guided) {
      auto unconditional = dit.forward(latents, timestep, negative_context, *backend, i);
      velocity = sampling::apply_guidance(velocity, unconditional, request.guidance);
    }
    const double sigma = schedule.sigmas[i];
    torch::Tensor preview;
    if (observer) preview = model_->preview().render(sampling::Sampler::predict_x0(velocity, sigma, latents));
    {
      BLADE_PROFILE_SCOPE("blade::sampler_step");
      latents = sampler->step(velocity, i, latents);
    }
    if (device.is_cuda()) torch::cuda::synchronize();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - step_start).count();
    if (step_ms) step_ms->push_back(ms);
    if (observer) {
      StepEvent event;
      event.index = i;
      event.total = schedule.steps();
      event.sigma = sigma;
      event.timestep = schedule.timesteps[i];
      event.preview = preview;
      event.step_ms = ms;
      event.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - run_start).count();
      observer->on_step(event);
    }
  }
  return latents;
}

GenerationResult Pipeline::run(const GenerationRequest& request, PipelineObserver* observer, const CancelToken* cancel) {
  static auto log = blade::log::get("pipeline");
  request.validate();
  const auto asked = parse_device(request.device), loaded = model_->device();
  // "cuda" means the current CUDA device, which is where a model loaded for "cuda" lives.
  const bool same_device = asked.type() == loaded.type() && (!asked.has_index() || !loaded.has_index() ||
                                                             asked.index() == loaded.index());
  if (!same_device) {
    fail(ErrorKind::InvalidArgument, "the request asks for device {} but the model was loaded on {}", request.device,
         model_->device().str());
  }
  const auto geometry = latent_geometry(*model_, request);
  const std::string what = fmt::format("generating {} frames at {}x{} on {}", request.frames, request.width,
                                       request.height, request.device);
  GenerationResult result;
  const auto start = Clock::now();
  const auto stage_peak_gb = [&loaded] {
    const double peak = gigabytes(gpu_memory(loaded).peak_bytes);
    reset_peak_gpu_memory(loaded);
    return peak;
  };
  try {
    torch::NoGradGuard no_grad;
    reset_peak_gpu_memory(loaded);
    model_->use_lora(request.lora);
    if (observer) observer->on_stage(Stage::EncodingText);
    auto phase = Clock::now();
    const bool guided = request.guidance > 1.0;
    std::vector<std::string> prompts{request.prompt};
    if (guided) prompts.push_back(request.negative_prompt);
    auto contexts = model_->encode_prompts(prompts);
    auto context = contexts.slice(0, 0, 1);
    torch::Tensor negative_context = guided ? contexts.slice(0, 1, 2) : torch::Tensor();
    result.timings.text_encoding_s = seconds_since(phase);
    result.text_encoding_peak_gb = stage_peak_gb();
    throw_if_cancelled(cancel, "after text encoding");

    // The seeded noise comes from the CPU generator (the same clip on every device); it is made
    // before the denoising clock starts and counts in the total only.
    auto noise = initial_noise(request.seed, geometry.channels, geometry.frames, geometry.height, geometry.width);
    if (observer) observer->on_stage(Stage::Denoising);
    phase = Clock::now();
    auto latents = denoise(request, noise, context, negative_context, observer, cancel, &result.timings.step_ms);
    result.timings.denoising_s = seconds_since(phase);
    result.denoising_peak_gb = stage_peak_gb();
    result.final_latents = latents.to(torch::kCPU);

    if (observer) observer->on_stage(Stage::Decoding);
    phase = Clock::now();
    model_->codec().set_bf16_decode(request.vae_dtype == "bf16");
    auto video = [&] {
      BLADE_PROFILE_SCOPE("blade::decode");
      return model_->codec().decode(latents, cancel, [observer](int64_t done, int64_t total) {
        if (observer) observer->on_decode_progress(done, total);
      });
    }();
    result.clip.frames = video_to_uint8_frames(video);
    result.timings.decoding_s = seconds_since(phase);
    result.decoding_peak_gb = stage_peak_gb();
    result.peak_gpu_memory_gb =
        std::max({result.text_encoding_peak_gb, result.denoising_peak_gb, result.decoding_peak_gb});
  } catch (...) {
    rethrow_as_blade_error(what);
  }
  result.clip.fps = 16.0;
  result.clip.metadata = clip_metadata(request, model_->info());
  result.timings.total_s = seconds_since(start);
  if (observer) observer->on_stage(Stage::Done);
  log->info("{}: text {:.2f} s, denoising {:.2f} s, decoding {:.2f} s, peak GPU memory {:.2f} GB", what,
            result.timings.text_encoding_s, result.timings.denoising_s, result.timings.decoding_s,
            result.peak_gpu_memory_gb);
  return result;
}

}  // namespace blade::pipeline
