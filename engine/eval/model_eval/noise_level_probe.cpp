#include "eval/model_eval/noise_level_probe.h"

#include "attention/attention_backend.h"
#include "core/clip.h"
#include "core/device.h"
#include "core/error.h"
#include "eval/model_eval/clip_scores.h"
#include "eval/model_eval/held_out_prompts.h"
#include "eval/model_eval/model_evaluation.h"
#include "eval/model_eval/row_tally.h"
#include "models/text/text_encoder.h"
#include "train/flow_matching.h"
#include "train/pixel_model_folder.h"
#include "world/renderer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>

namespace blade::eval {
namespace {

void check_options(const NoiseLevelOptions& options) {
  if (options.sigmas.empty()) fail(ErrorKind::InvalidArgument, "expected at least one noise level, got none");
  for (const double sigma : options.sigmas) {
    if (!(sigma >= 0.0 && sigma <= 1.0)) {
      fail(ErrorKind::InvalidArgument, "expected noise levels (sigmas) in [0, 1], got {}", sigma);
    }
  }
  if (options.prompts < 1) fail(ErrorKind::InvalidArgument, "expected at least 1 prompt, got {}", options.prompts);
  if (options.batch < 1) fail(ErrorKind::InvalidArgument, "expected a batch of at least 1 clip, got {}", options.batch);
}

// What a generated clip of this video would show (8-bit frames, as the pipeline writes them), back
// in [-1, 1]: [3, F, H, W] -> [3, F, H, W].
torch::Tensor as_shown(const torch::Tensor& video) {
  return video_of(Clip{.frames = video_to_uint8_frames(video.unsqueeze(0))});
}

}  // namespace

std::vector<NoiseLevelRow> probe_noise_levels(const std::filesystem::path& model_folder, const NoiseLevelOptions& options,
                                              const NoiseLevelCallbacks& callbacks, const CancelToken* cancel) {
  check_options(options);
  const torch::Device device = parse_device(options.device);
  torch::NoGradGuard no_grad;
  train::PixelModel model = train::load_pixel_model(model_folder);
  const auto& clip = model.config.clip;
  const world::ClipFormat format{clip.frames, clip.height, clip.width};
  models::TextEncoder text(models::PromptTokenizer::load(model.tokenizer_model), model.text_encoder,
                           model.config.text_len);
  text.to(device);
  model.dit->to(device);
  const auto attention = attention::make_dense_attention();

  const auto prompts = held_out_prompts(options.prompts, static_cast<double>(clip.width) / clip.height);
  std::vector<std::string> texts;
  std::vector<world::Scene> scenes;
  for (const auto& prompt : prompts) texts.push_back(prompt.text), scenes.push_back(prompt.scene);
  const auto clean = world::render_scenes(scenes, format, {.device = device});
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const auto noise = torch::randn(clean.sizes(), generator, torch::kFloat32).to(device);
  const auto contexts = text.encode(texts);
  const auto empty_context = text.encode({""});

  std::vector<NoiseLevelRow> rows;
  NoiseLevelProgress progress{0, static_cast<int>(options.sigmas.size()) * 2 * options.prompts};
  for (const double sigma : options.sigmas) {
    for (const bool conditioned : {true, false}) {
      RowTally tally;
      for (int64_t first = 0; first < options.prompts; first += options.batch) {
        throw_if_cancelled(cancel, "noise-level probe");
        const int64_t count = std::min<int64_t>(options.batch, options.prompts - first);
        const auto x0 = clean.narrow(0, first, count);
        const auto sigmas = torch::full({count}, sigma, torch::kFloat64);
        const auto noisy = train::noisy_sample(x0, noise.narrow(0, first, count), sigmas);
        const auto context = conditioned ? contexts.narrow(0, first, count) : empty_context.expand({count, -1, -1});
        const auto velocity = model.dit->forward(noisy, train::timesteps_from_sigmas(sigmas).to(device), context,
                                                 *attention);
        const auto predicted = train::x0_from_velocity(noisy, velocity, sigmas);
        for (int64_t i = 0; i < count; ++i) {
          const int prompt = static_cast<int>(first + i);
          const auto video = as_shown(predicted[i]);
          tally.add(score_clip(video, texts[static_cast<size_t>(prompt)]), 0.0);
          if (callbacks.on_clip) callbacks.on_clip({sigma, conditioned, prompt, video});
          ++progress.done;
          if (callbacks.on_progress) callbacks.on_progress(progress);
        }
      }
      EvalRow summed;
      summed.name = fmt::format("sigma {} {}", sigma, conditioned ? "prompt" : "empty");
      tally.finish(summed);
      rows.push_back({sigma, conditioned, summed.clips, summed.accuracy, summed.travel});
    }
  }
  return rows;
}

}  // namespace blade::eval
