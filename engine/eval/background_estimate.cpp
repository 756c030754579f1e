#include "eval/background_estimate.h"

#include "world/backgrounds.h"

#include <limits>

namespace blade::eval {
namespace {

constexpr double kKeptFraction = 0.6;

double trimmed_error(const torch::Tensor& median, const torch::Tensor& candidate) {
  const torch::Tensor error = (median - candidate).abs().mean(0).flatten();
  const int64_t kept = std::max<int64_t>(1, static_cast<int64_t>(kKeptFraction * static_cast<double>(error.numel())));
  return std::get<0>(error.topk(kept, 0, /*largest=*/false, /*sorted=*/false)).mean().item<double>();
}

}  // namespace

BackgroundEstimate estimate_background(const torch::Tensor& frames) {
  const int64_t height = frames.size(2), width = frames.size(3);
  const torch::Tensor median = std::get<0>(frames.median(1));  // [3, H, W]
  BackgroundEstimate best;
  best.fit_error = best.runner_up_error = std::numeric_limits<double>::infinity();
  torch::Tensor best_template;
  for (world::BackgroundKind kind : world::kBackgroundKinds) {
    for (world::Tone tone : world::kTones) {
      const world::Background candidate{kind, tone};
      const torch::Tensor image = world::render_background(candidate, height, width, frames.options());
      const double error = trimmed_error(median, image);
      if (error < best.fit_error) {
        best.runner_up_error = best.fit_error;
        best.fit_error = error;
        best.background = candidate;
        best_template = image;
      } else if (error < best.runner_up_error) {
        best.runner_up_error = error;
      }
    }
  }
  const torch::Tensor cast = std::get<0>((median - best_template).flatten(1).median(1)).view({3, 1, 1});
  best.image = (best_template + cast).clamp(0, 1).contiguous();
  return best;
}

}  // namespace blade::eval
