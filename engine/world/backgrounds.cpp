#include "world/backgrounds.h"

#include "world/palette.h"

#include <algorithm>
#include <cmath>

namespace blade::world {
namespace {

constexpr double kTwoPi = 6.28318530717958647692;
constexpr double kGradientSwing = 0.15;  // tone + 0.15 at the top, tone - 0.15 at the bottom
constexpr double kPatternSwing = 0.1;    // stripes and checks: tone +- 0.1
constexpr double kStripePeriod = 0.2;    // frame units, measured along x + y
constexpr double kCheckerPeriod = 0.25;  // one light and one dark cell
constexpr double kEdgeSharpness = 3.0;   // tanh(k cos) gives a soft square wave

torch::Tensor soft_square(const torch::Tensor& wave) {
  return torch::tanh(kEdgeSharpness * wave) / std::tanh(kEdgeSharpness);
}

}  // namespace

torch::Tensor render_background(const Background& background, int64_t height, int64_t width,
                                const torch::TensorOptions& options) {
  return render_background_shifted(background, height, width, 0.0, 0.0, options);
}

torch::Tensor render_background_shifted(const Background& background, int64_t height, int64_t width, double dy,
                                        double dx, const torch::TensorOptions& options) {
  const double unit = static_cast<double>(std::min(height, width));
  const torch::Tensor x = ((torch::arange(width, options) + (0.5 - dx)) / unit).view({1, width});
  const torch::Tensor y = ((torch::arange(height, options) + (0.5 - dy)) / unit).view({height, 1});
  torch::Tensor offset;  // [H, W], added to every channel
  switch (background.kind) {
    case BackgroundKind::Solid:
      offset = torch::zeros({height, width}, options);
      break;
    case BackgroundKind::Gradient:
      offset = (kGradientSwing * (1.0 - 2.0 * y * (unit / height))).expand({height, width});
      break;
    case BackgroundKind::Stripes:
      offset = kPatternSwing * soft_square(torch::cos((x + y) * (kTwoPi / kStripePeriod)));
      break;
    case BackgroundKind::Checker:
      offset = kPatternSwing * soft_square(torch::cos(x * (kTwoPi / kCheckerPeriod)) *
                                           torch::cos(y * (kTwoPi / kCheckerPeriod)) * 2.0);
      break;
  }
  const Rgb tone = rgb(background.tone);
  const torch::Tensor base = torch::tensor({tone[0], tone[1], tone[2]}, options).view({3, 1, 1});
  return (base + offset.unsqueeze(0)).clamp(0, 1).contiguous();
}

torch::Tensor pattern_tone_range(Tone tone) {
  const Rgb c = rgb(tone);
  const auto centre = torch::tensor({c[0], c[1], c[2]}, torch::kFloat32).view({3, 1});
  // soft_square reaches 1 / tanh(k) where the checker's wave exceeds 1.
  const double swing = kPatternSwing / std::tanh(kEdgeSharpness);
  return torch::cat({centre - swing, centre + swing}, 1).clamp(0, 1);
}

double pattern_period(BackgroundKind kind) {
  switch (kind) {
    case BackgroundKind::Stripes: return kStripePeriod;
    case BackgroundKind::Checker: return kCheckerPeriod;
    case BackgroundKind::Solid:
    case BackgroundKind::Gradient: break;
  }
  return 0.0;
}

}  // namespace blade::world
