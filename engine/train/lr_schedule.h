#pragma once
// Learning-rate schedules: linear warm-up from 0, then constant or a cosine decay to min_ratio.

#include <cstdint>
#include <string>

namespace blade::train {

enum class LrDecay { Constant = 1, Cosine };

struct LrSchedule {
  double base = 1e-4;
  int64_t warmup = 0;         // optimiser steps of linear warm-up
  LrDecay decay = LrDecay::Constant;
  int64_t total = 0;          // cosine: steps over which it decays (the run's iterations)
  double min_ratio = 0.0;     // cosine: floor as a fraction of base

  // Rate for the optimiser step with 0-based index `step`.
  double at(int64_t step) const;
};

LrDecay parse_lr_decay(const std::string& name);  // "constant" | "cosine"
std::string to_string(LrDecay decay);

}  // namespace blade::train
