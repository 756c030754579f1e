#pragma once
// Where training clips come from. A source is an endless, deterministic stream: clip i is a pure
// function of the source's settings and i, so a run that resumes at a data cursor sees exactly
// the clips the uninterrupted run would have seen.

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace blade::train {

struct ClipShape {
  int64_t frames = 0;
  int64_t height = 0;
  int64_t width = 0;
};

struct TrainingClip {
  torch::Tensor video;  // [3, frames, height, width] float32 in [-1, 1], CPU
  std::string prompt;
};

struct ClipBatch {
  torch::Tensor videos;              // [B, 3, frames, height, width] float32 in [-1, 1]
  std::vector<std::string> prompts;  // B prompts
  // [B, 1, frames, height, width] float32, 1 where an object is drawn and 0 on the background;
  // only when asked for (BatchContents::ClipsAndObjectMasks), else undefined.
  torch::Tensor object_masks;
};

enum class BatchContents { Clips, ClipsAndObjectMasks };

class ClipSource {
 public:
  virtual ~ClipSource() = default;
  virtual std::string name() const = 0;
  virtual ClipShape shape() const = 0;
  virtual TrainingClip clip(uint64_t index) = 0;
  // The prompt of clip `index` alone (data-free distillation, tokenizer corpora); sources whose
  // prompt is cheaper than the clip override it.
  virtual std::string prompt(uint64_t index) { return clip(index).prompt; }

  // Clips first .. first + count - 1 stacked (any device; the default stacks clip() on the CPU and
  // throws Internal when a clip has the wrong shape or range). Sources that render in batches
  // override it; they must give the same clips and prompts as clip(). Object masks only from
  // sources that knows_object_masks() (the default throws InvalidArgument when asked).
  virtual ClipBatch batch(uint64_t first, int64_t count, BatchContents contents);
  ClipBatch batch(uint64_t first, int64_t count) { return batch(first, count, BatchContents::Clips); }
  virtual bool knows_object_masks() const { return false; }
  // True when the prompts are the synthetic world's (engine/world grammar): what the text
  // encoder's attribute pretraining learns to read.
  virtual bool prompts_follow_world_grammar() const { return false; }
  std::vector<std::string> prompts(uint64_t first, int64_t count);
};

}  // namespace blade::train
