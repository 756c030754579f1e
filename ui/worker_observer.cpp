#include "ui/worker_observer.h"

#include "ui/frame_images.h"

namespace blade::ui {

AttentionCallSnapshot snapshot_of(const attention::AttentionCallStats& stats) {
  AttentionCallSnapshot call;
  call.layer = stats.info.layer;
  call.step = stats.info.step;
  call.backend = stats.backend;
  call.grid = stats.info.grid;
  call.heads = stats.heads;
  call.block_size = stats.block_size;
  call.query_blocks = stats.query_blocks;
  call.key_blocks = stats.key_blocks;
  call.words_per_row = stats.mask_words_per_row;
  call.kept_fraction = stats.kept_fraction;
  const auto rows = static_cast<size_t>(stats.heads * stats.query_blocks);
  const auto words = rows * static_cast<size_t>(stats.mask_words_per_row);
  call.mask_words.assign(stats.mask_words.begin(),
                         stats.mask_words.begin() + static_cast<std::ptrdiff_t>(std::min(words, stats.mask_words.size())));
  call.kept_fraction_per_head = stats.kept_fraction_per_head;
  call.kept_fraction_per_query.assign(
      stats.kept_fraction_per_query_block.begin(),
      stats.kept_fraction_per_query_block.begin() +
          static_cast<std::ptrdiff_t>(std::min(rows, stats.kept_fraction_per_query_block.size())));
  return call;
}

WorkerObserver::WorkerObserver(quint64 job_id, bool collect_attention, Callbacks callbacks)
    : job_id_(job_id), collect_attention_(collect_attention), callbacks_(std::move(callbacks)) {}

void WorkerObserver::on_stage(pipeline::Stage stage) {
  if (callbacks_.stage) callbacks_.stage(stage);
}

void WorkerObserver::on_step(const pipeline::StepEvent& event) {
  auto snapshot = std::make_shared<StepSnapshot>();
  snapshot->job_id = job_id_;
  snapshot->index = event.index;
  snapshot->total = event.total;
  snapshot->sigma = event.sigma;
  snapshot->step_ms = event.step_ms;
  snapshot->elapsed_ms = event.elapsed_ms;
  if (event.preview.defined()) snapshot->preview = frames_to_images(event.preview);
  for (auto& [layer, call] : pending_) snapshot->attention.push_back(std::move(call));
  pending_.clear();
  if (callbacks_.step) callbacks_.step(std::move(snapshot));
}

void WorkerObserver::on_decode_progress(int64_t done, int64_t total) {
  if (callbacks_.decode) callbacks_.decode(done, total);
}

void WorkerObserver::on_attention_call(const attention::AttentionCallStats& stats) {
  if (stats.mask_words.empty()) return;  // dense: nothing to show
  kept_sum_ += stats.kept_fraction;
  ++sparse_calls_;
  // With guidance each layer runs twice per step; the first call is the conditional pass.
  if (!pending_.count(stats.info.layer)) pending_.emplace(stats.info.layer, snapshot_of(stats));
}

std::optional<double> WorkerObserver::measured_sparsity() const {
  if (sparse_calls_ == 0) return std::nullopt;
  return 1.0 - kept_sum_ / static_cast<double>(sparse_calls_);
}

}  // namespace blade::ui
