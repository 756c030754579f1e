#pragma once
// The pipeline observer of one job: turns engine events into snapshots for the widgets. It runs on
// the worker thread; the callbacks it is given post the snapshots to the GUI thread.

#include "pipeline/pipeline_observer.h"
#include "ui/studio_types.h"

#include <functional>
#include <map>

namespace blade::ui {

class WorkerObserver final : public pipeline::PipelineObserver {
 public:
  struct Callbacks {
    std::function<void(pipeline::Stage)> stage;
    std::function<void(StepSnapshotPtr)> step;
    std::function<void(int64_t done, int64_t total)> decode;
  };

  WorkerObserver(quint64 job_id, bool collect_attention, Callbacks callbacks);

  void on_stage(pipeline::Stage stage) override;
  void on_step(const pipeline::StepEvent& event) override;
  void on_decode_progress(int64_t done, int64_t total) override;
  bool wants_attention_stats() const override { return collect_attention_; }
  void on_attention_call(const attention::AttentionCallStats& stats) override;

  // Mean fraction of key blocks skipped over every block-sparse call so far; none if there was none.
  std::optional<double> measured_sparsity() const;

 private:
  quint64 job_id_;
  bool collect_attention_;
  Callbacks callbacks_;
  std::map<int, AttentionCallSnapshot> pending_;  // layer -> first call of the current step
  double kept_sum_ = 0.0;
  int64_t sparse_calls_ = 0;
};

// The conditional-pass snapshot of one call (batch 0 of the mask).
AttentionCallSnapshot snapshot_of(const attention::AttentionCallStats& stats);

}  // namespace blade::ui
