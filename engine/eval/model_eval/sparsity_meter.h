#pragma once
// Achieved attention sparsity of generations: listens to every self-attention call of the pipeline
// and keeps the mean fraction of key blocks skipped (1 - kept fraction; 0 for dense attention).
// Passes each denoising step on, for progress.

#include "pipeline/pipeline_observer.h"

#include <cstdint>
#include <functional>

namespace blade::eval {

class SparsityMeter final : public pipeline::PipelineObserver {
 public:
  explicit SparsityMeter(std::function<void(const pipeline::StepEvent&)> on_step = {}) : on_step_(std::move(on_step)) {}

  bool wants_attention_stats() const override { return true; }
  void on_attention_call(const attention::AttentionCallStats& stats) override;
  void on_step(const pipeline::StepEvent& event) override;

  double mean_skipped() const { return calls_ ? skipped_sum_ / static_cast<double>(calls_) : 0.0; }

 private:
  std::function<void(const pipeline::StepEvent&)> on_step_;
  int64_t calls_ = 0;
  double skipped_sum_ = 0.0;
};

}  // namespace blade::eval
