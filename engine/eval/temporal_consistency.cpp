#include "eval/temporal_consistency.h"

#include "eval/median.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace blade::eval {
namespace {

constexpr double kFlickerScale = 0.05;
constexpr double kJumpFactor = 4.0;
constexpr double kMinJump = 0.03;       // frame units
constexpr double kStepFloor = 0.005;    // frame units: below this, motion is jitter
constexpr double kSmoothBend = 1.0;     // bend ratio still fully smooth
constexpr double kRandomBend = 1.7;     // bend ratio of frames in random order
constexpr int64_t kObjectMargin = 2;    // pixels around objects left out of the flicker

using State = std::array<double, 3>;

double norm(const State& a, const State& b, const State& c = {0, 0, 0}) {
  // |a - b - c|: with c = b - previous, this is the second difference.
  return std::hypot(a[0] - b[0] - c[0], a[1] - b[1] - c[1], a[2] - b[2] - c[2]);
}

double continuity_of(const Track& track, int64_t frames, double unit) {
  std::vector<double> steps, bends;
  for (size_t i = 1; i < track.blobs.size(); ++i) {
    const Blob &a = track.blobs[i - 1], &b = track.blobs[i];
    if (b.frame != a.frame + 1) continue;
    const State sa{a.x / unit, a.y / unit, std::sqrt(a.area / 3.14159265358979323846) / unit};
    const State sb{b.x / unit, b.y / unit, std::sqrt(b.area / 3.14159265358979323846) / unit};
    steps.push_back(norm(sb, sa));
    if (i >= 2 && track.blobs[i - 2].frame + 2 == b.frame) {
      const Blob& z = track.blobs[i - 2];
      const State sz{z.x / unit, z.y / unit, std::sqrt(z.area / 3.14159265358979323846) / unit};
      bends.push_back(norm(sb, sa, {sa[0] - sz[0], sa[1] - sz[1], sa[2] - sz[2]}));
    }
  }
  double jump_fraction = 0.0, smoothness = 1.0;
  if (!steps.empty()) {
    const double typical = *median(steps);
    const double limit = std::max(kJumpFactor * typical, kMinJump);
    jump_fraction = static_cast<double>(std::count_if(steps.begin(), steps.end(), [&](double s) { return s > limit; })) /
                    static_cast<double>(steps.size());
    if (!bends.empty()) {
      const double ratio = *median(bends) / std::max(typical, kStepFloor);
      smoothness = std::clamp((kRandomBend - ratio) / (kRandomBend - kSmoothBend), 0.0, 1.0);
    }
  }
  return track.presence(frames) * (1.0 - jump_fraction) * smoothness;
}

}  // namespace

TemporalConsistency temporal_consistency(const torch::Tensor& frames, const std::vector<Track>& tracks) {
  const int64_t F = frames.size(1), H = frames.size(2), W = frames.size(3);
  TemporalConsistency result;
  if (F >= 2) {
    torch::Tensor objects = torch::zeros({F, 1, H, W}, torch::kFloat32);
    for (const auto& track : tracks)
      for (const auto& blob : track.blobs) objects[blob.frame][0] += (blob.alpha > 0).to(torch::kFloat32);
    objects = torch::max_pool2d(objects, 2 * kObjectMargin + 1, 1, kObjectMargin).squeeze(1) > 0;  // [F, H, W]
    const torch::Tensor still = (~objects.slice(0, 1)) & (~objects.slice(0, 0, F - 1));         // [F-1, H, W]
    const torch::Tensor change = (frames.slice(1, 1) - frames.slice(1, 0, F - 1)).abs().mean(0);
    const double count = still.sum().item<double>();
    result.flicker = count > 0 ? (change * still).sum().item<double>() / count : 0.0;
  }
  if (!tracks.empty()) {
    double sum = 0;
    for (const auto& track : tracks) sum += continuity_of(track, F, static_cast<double>(std::min(H, W)));
    result.continuity = sum / static_cast<double>(tracks.size());
  }
  result.score = std::exp(-result.flicker / kFlickerScale) * result.continuity;
  return result;
}

}  // namespace blade::eval
