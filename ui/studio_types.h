#pragma once
// The data the engine worker hands to the widgets. Everything crosses threads by queued signals,
// as shared pointers to immutable values, so a widget never touches engine state.

#include "core/cancel.h"
#include "core/clip.h"
#include "eval/model_eval/model_recommendation.h"
#include "pipeline/generation_request.h"
#include "pipeline/pipeline.h"

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QVector>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace blade::ui {

// What one generation is asked to do: the request plus the model folder that runs it.
struct StudioJob {
  quint64 id = 0;
  QString model_folder;
  pipeline::GenerationRequest request;
  QString label;  // what the queue shows ("BLADE 0.80", "dense (compare)")
  std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
};

// One self-attention call of a block-sparse back end (the conditional pass of a step).
struct AttentionCallSnapshot {
  int layer = 0;
  int step = 0;
  std::string backend;
  std::array<int64_t, 3> grid{0, 0, 0};  // token grid (frames, height, width)
  int64_t heads = 0;
  int64_t block_size = 0;
  int64_t query_blocks = 0;
  int64_t key_blocks = 0;
  int64_t words_per_row = 0;
  double kept_fraction = 1.0;
  std::vector<uint64_t> mask_words;             // batch 0 only: row h * query_blocks + qb
  std::vector<double> kept_fraction_per_head;   // [heads]
  std::vector<double> kept_fraction_per_query;  // [heads * query_blocks], batch 0

  bool kept(int64_t head, int64_t query_block, int64_t key_block) const {
    const auto row = head * query_blocks + query_block;
    const auto word = mask_words[static_cast<size_t>(row * words_per_row + key_block / 64)];
    return (word >> (key_block % 64)) & 1u;
  }
};

struct StepSnapshot {
  quint64 job_id = 0;
  int index = 0;  // 0-based
  int total = 0;
  double sigma = 0.0;
  double step_ms = 0.0;
  double elapsed_ms = 0.0;
  QVector<QImage> preview;                       // one per latent frame
  std::vector<AttentionCallSnapshot> attention;  // one per layer (empty for dense attention)
};

struct GenerationOutput {
  StudioJob job;
  Clip clip;
  QVector<QImage> frames;
  pipeline::GenerationTimings timings;
  std::optional<double> measured_sparsity;  // mean over block-sparse calls; none for dense
  QString model_id;
};

// What the studio needs to know about a model folder without loading its weights.
struct ModelSummary {
  QString folder;
  QString id;
  QString layout;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t dim = 0;
  int64_t size_multiple = 16;   // width and height must be multiples of this
  int64_t frame_multiple = 4;   // frames = frame_multiple * n + 1
  std::optional<double> default_shift;
  // How a model trained by BLADE Studio is meant to run (steps, guidance, attention, clip format);
  // empty for other folders.
  eval::ModelRecommendation recommended;
};

using StepSnapshotPtr = std::shared_ptr<const StepSnapshot>;
using GenerationOutputPtr = std::shared_ptr<const GenerationOutput>;

// Registers the types above for queued connections; call once before connecting.
void register_studio_metatypes();

}  // namespace blade::ui

Q_DECLARE_METATYPE(blade::ui::StudioJob)
Q_DECLARE_METATYPE(blade::ui::StepSnapshotPtr)
Q_DECLARE_METATYPE(blade::ui::GenerationOutputPtr)
Q_DECLARE_METATYPE(blade::ui::ModelSummary)
