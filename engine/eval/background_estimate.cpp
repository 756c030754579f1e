#include "eval/background_estimate.h"

#include "world/backgrounds.h"

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

namespace blade::eval {
namespace {

constexpr double kKeptFraction = 0.6;

double trimmed_error(const torch::Tensor& median, const torch::Tensor& candidate) {
  const torch::Tensor error = (median - candidate).abs().mean(0).flatten();
  const int64_t kept = std::max<int64_t>(1, static_cast<int64_t>(kKeptFraction * static_cast<double>(error.numel())));
  return std::get<0>(error.topk(kept, 0, /*largest=*/false, /*sorted=*/false)).mean().item<double>();
}

// The pattern's offsets tried, in pixels: over one period in eighths, along x only for stripes
// (they depend on x + y), along both for checks (whose half-period diagonal shift is the same
// pattern, so y needs only half a period). A generator may draw the pattern anywhere in its period
// and it is still that background.
std::vector<std::array<double, 2>> pattern_shifts(world::BackgroundKind kind, int64_t height, int64_t width) {
  const double period = world::pattern_period(kind) * static_cast<double>(std::min(height, width));
  if (period <= 0.0) return {{0.0, 0.0}};
  constexpr int kSteps = 8;
  const int y_steps = kind == world::BackgroundKind::Checker ? kSteps / 2 : 1;
  std::vector<std::array<double, 2>> shifts;
  for (int i = 0; i < y_steps; ++i)
    for (int j = 0; j < kSteps; ++j) shifts.push_back({period * i / kSteps, period * j / kSteps});
  return shifts;
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
      double error = std::numeric_limits<double>::infinity();
      torch::Tensor fitted;
      for (const auto& [dy, dx] : pattern_shifts(kind, height, width)) {
        const torch::Tensor shifted =
            world::render_background_shifted(candidate, height, width, dy, dx, frames.options());
        const double shifted_error = trimmed_error(median, shifted);
        if (shifted_error < error) error = shifted_error, fitted = shifted;
      }
      if (error < best.fit_error) {
        best.runner_up_error = best.fit_error;
        best.fit_error = error;
        best.background = candidate;
        best_template = fitted;
      } else if (error < best.runner_up_error) {
        best.runner_up_error = error;
      }
    }
  }
  const torch::Tensor cast = std::get<0>((median - best_template).flatten(1).median(1)).view({3, 1, 1});
  best.image = (best_template + cast).clamp(0, 1).contiguous();
  best.cast = cast.view({3});
  return best;
}

}  // namespace blade::eval
