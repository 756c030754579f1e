#include "eval/model_eval/sparsity_meter.h"

namespace blade::eval {

void SparsityMeter::on_attention_call(const attention::AttentionCallStats& stats) {
  ++calls_;
  skipped_sum_ += 1.0 - stats.kept_fraction;
}

void SparsityMeter::on_step(const pipeline::StepEvent& event) {
  if (on_step_) on_step_(event);
}

}  // namespace blade::eval
