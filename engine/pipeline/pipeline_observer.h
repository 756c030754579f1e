#pragma once
// What a running generation tells its caller: stages, one event per denoising step with a cheap
// preview, and decode progress. Called on the thread that runs the pipeline.

#include "attention/attention_backend.h"

#include <torch/types.h>

#include <string>

namespace blade::pipeline {

enum class Stage { EncodingText = 1, Denoising, Decoding, Done };
const char* to_string(Stage stage);

struct StepEvent {
  int index = 0;             // 0-based step
  int total = 0;
  double sigma = 0.0;        // noise level the model saw at this step
  int64_t timestep = 0;      // int(sigma * 1000), the model input
  torch::Tensor preview;     // x0 prediction as RGB frames [latent frames, h, w, 3] uint8 (CPU)
  double step_ms = 0.0;      // this step alone
  double elapsed_ms = 0.0;   // since the generation started
};

class PipelineObserver : public attention::AttentionObserver {
 public:
  virtual void on_stage(Stage stage) {}
  virtual void on_step(const StepEvent& event) {}
  virtual void on_decode_progress(int64_t done_latent_frames, int64_t total_latent_frames) {}
  // Attention statistics of every self-attention call, when wanted (costs a little time).
  virtual bool wants_attention_stats() const { return false; }
  void on_attention_call(const attention::AttentionCallStats& stats) override {}
};

}  // namespace blade::pipeline
