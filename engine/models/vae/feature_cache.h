#pragma once
// The causal feature cache of chunked Wan-VAE processing: one slot per temporal convolution, visited
// in the same order on every chunk, holding the last (up to) 2 input frames of that convolution so
// that the next chunk sees the frames before it.

#include <torch/types.h>

#include <cstdint>
#include <deque>

namespace blade::models {

class FeatureCache {
 public:
  static constexpr int64_t kFrames = 2;

  enum class State {
    Empty,       // first chunk: nothing seen yet
    ZeroPadded,  // upsample3d after its first chunk: the next chunk pads with zeros ('Rep' in Wan)
    Filled,      // `frames` holds the previous chunk's last input frames
  };
  struct Slot {
    State state = State::Empty;
    torch::Tensor frames;
  };

  // Call before each chunk: the slots are visited again from the first.
  void start_chunk() { cursor_ = 0; }
  // The next slot in visiting order (created empty on the first chunk). References stay valid.
  Slot& next();
  size_t size() const { return slots_.size(); }

 private:
  std::deque<Slot> slots_;
  size_t cursor_ = 0;
};

// The last `count` frames (dim 2) of x. A copy when x has more frames, so that the cache does not
// keep the whole chunk alive; x itself when it has no more than that.
torch::Tensor last_frames(const torch::Tensor& x, int64_t count);

// What a causal 3x3x3 convolution caches after seeing x: its last 2 input frames, completed with the
// last cached frame when x has only one.
torch::Tensor next_cache_frames(const FeatureCache::Slot& slot, const torch::Tensor& x);

}  // namespace blade::models
