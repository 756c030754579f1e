#include "media/frame_rate.h"

#include "core/error.h"

#include <cmath>

namespace blade::media {

FrameRate to_frame_rate(double fps, int64_t max_denominator) {
  if (!std::isfinite(fps) || fps <= 0 || fps > 1000) {
    fail(ErrorKind::InvalidArgument, "the clip's fps must be in (0, 1000], got {}", fps);
  }
  // Convergents h/k of the continued fraction of fps; stop before the denominator grows too big.
  int64_t h_prev = 1, h = static_cast<int64_t>(std::floor(fps));
  int64_t k_prev = 0, k = 1;
  double rest = fps - std::floor(fps);
  while (rest > 1e-12) {
    const double inverse = 1.0 / rest;
    const auto term = static_cast<int64_t>(std::floor(inverse));
    const int64_t k_next = term * k + k_prev;
    if (k_next > max_denominator) break;
    const int64_t h_next = term * h + h_prev;
    h_prev = h, h = h_next;
    k_prev = k, k = k_next;
    if (std::abs(static_cast<double>(h) / static_cast<double>(k) - fps) < 1e-12 * fps) break;
    rest = inverse - static_cast<double>(term);
  }
  if (h <= 0) fail(ErrorKind::InvalidArgument, "the clip's fps {} is too small to store", fps);
  return {h, k};
}

}  // namespace blade::media
