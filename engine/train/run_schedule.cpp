#include "train/run_schedule.h"

namespace blade::train {

RunSchedule::RunSchedule(int64_t checkpoint_every, double checkpoint_minutes, double max_minutes)
    : checkpoint_every_(checkpoint_every), checkpoint_seconds_(60.0 * checkpoint_minutes),
      max_seconds_(60.0 * max_minutes) {}

bool RunSchedule::out_of_time() const {
  return max_seconds_ > 0.0 && std::chrono::duration<double>(Clock::now() - started_).count() >= max_seconds_;
}

bool RunSchedule::checkpoint_due(int64_t iteration) const {
  const bool by_count = checkpoint_every_ > 0 && iteration % checkpoint_every_ == 0;
  return by_count || std::chrono::duration<double>(Clock::now() - last_checkpoint_).count() >= checkpoint_seconds_;
}

void RunSchedule::checkpoint_written(int64_t iteration) {
  checkpointed_at_ = iteration;
  last_checkpoint_ = Clock::now();
}

bool RunSchedule::checkpoint_if_due(int64_t iteration, const std::function<void()>& save) {
  if (!checkpoint_due(iteration)) return false;
  save();
  checkpoint_written(iteration);
  return true;
}

void RunSchedule::checkpoint_at_end(int64_t iteration, const std::function<void()>& save) {
  if (checkpointed(iteration)) return;
  save();
  checkpoint_written(iteration);
}

}  // namespace blade::train
