#pragma once
// When a training loop stops and when it writes its checkpoints: after every `checkpoint_every`
// iterations (0: never by count) or `checkpoint_minutes` of wall time since the last one, whichever
// comes first; the run stops once `max_minutes` have passed (0: no limit).

#include <chrono>
#include <cstdint>
#include <functional>

namespace blade::train {

class RunSchedule {
 public:
  RunSchedule(int64_t checkpoint_every, double checkpoint_minutes, double max_minutes);

  bool out_of_time() const;

  // Called after each iteration: whether a checkpoint is due now.
  bool checkpoint_due(int64_t iteration) const;

  // After a checkpoint of this iteration was written: the time interval starts again from now.
  void checkpoint_written(int64_t iteration);

  // Whether the checkpoint written last holds this iteration (so the end of the run needs none).
  bool checkpointed(int64_t iteration) const { return checkpointed_at_ == iteration; }

  // The loops' use of the above. After each iteration: calls `save` when a checkpoint is due (and
  // records it); whether it did.
  bool checkpoint_if_due(int64_t iteration, const std::function<void()>& save);
  // At the end of a run: calls `save` unless the checkpoint written last holds this iteration.
  void checkpoint_at_end(int64_t iteration, const std::function<void()>& save);

 private:
  using Clock = std::chrono::steady_clock;
  int64_t checkpoint_every_;
  double checkpoint_seconds_, max_seconds_;
  Clock::time_point started_ = Clock::now(), last_checkpoint_ = started_;
  int64_t checkpointed_at_ = -1;
};

}  // namespace blade::train
