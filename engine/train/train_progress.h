#pragma once
// What a training loop reports after every iteration (the CLI draws a progress bar from it).

#include <cstdint>
#include <functional>
#include <string>

namespace blade::train {

struct TrainProgress {
  std::string stage = "training";  // or "text pretraining" (teacher runs that pretrain the text encoder)
  int64_t iteration = 0;   // iterations done
  int64_t total = 0;       // iterations the run goes to
  double loss = 0.0;       // this iteration's (main) loss
  double loss_average = 0.0;  // exponential average (0.98) of the loss
  double learning_rate = 0.0;
  double grad_norm = 0.0;  // before clipping
  double seconds_per_iteration = 0.0;  // exponential average
  bool checkpointed = false;  // a checkpoint was written after this iteration
};

using ProgressCallback = std::function<void(const TrainProgress&)>;

}  // namespace blade::train
