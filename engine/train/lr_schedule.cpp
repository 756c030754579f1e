#include "train/lr_schedule.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace blade::train {

double LrSchedule::at(int64_t step) const {
  if (warmup > 0 && step < warmup) return base * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (decay == LrDecay::Constant || total <= warmup) return base;
  const double progress =
      std::clamp(static_cast<double>(step - warmup) / static_cast<double>(total - warmup), 0.0, 1.0);
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return base * (min_ratio + (1.0 - min_ratio) * cosine);
}

LrDecay parse_lr_decay(const std::string& name) {
  if (name == "constant") return LrDecay::Constant;
  if (name == "cosine") return LrDecay::Cosine;
  fail(ErrorKind::InvalidArgument, "learning-rate decay must be constant or cosine, got '{}'", name);
}

std::string to_string(LrDecay decay) { return decay == LrDecay::Cosine ? "cosine" : "constant"; }

}  // namespace blade::train
