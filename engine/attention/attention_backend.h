#pragma once
// The interface every self-attention implementation sits behind (dense SDPA here; block-sparse
// back ends plug in the same way). The DiT calls it once per layer per forward.

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace blade::attention {

// Where a call comes from; lets back ends and observers key statistics and lay tokens out in 3D.
struct AttentionCallInfo {
  int layer = 0;                          // DiT block index
  int step = -1;                          // sampler step, -1 outside sampling
  std::array<int64_t, 3> grid{0, 0, 0};   // token grid (frames, height, width) after patching
  // The caller already put the tokens into the back end's preferred_layout(grid).order (see there).
  bool tokens_in_backend_order = false;
};

// How a back end wants its inputs, so that a caller whose other work is per token (the DiT: norms,
// projections, FFN) can lay them out so once per forward instead of the back end copying q, k, v and
// its output in every call.
struct AttentionInputLayout {
  torch::Tensor order;    // int64 [tokens]: the back end attends token order[i] at position i; undefined: as given
  torch::Tensor inverse;  // the inverse permutation (order[inverse[j]] == j)
  bool heads_contiguous = false;  // q, k, v are best given as contiguous [batch, heads, tokens, head_dim]
};

// Per-call statistics a back end may report (dense reports timing only).
struct AttentionCallStats {
  AttentionCallInfo info;
  std::string backend;
  int64_t heads = 0;
  int64_t tokens = 0;
  double kept_fraction = 1.0;  // fraction of key blocks attended, 1 for dense
  double attention_ms = 0.0;   // wall time of the call (measured only while an observer listens); when the
                               // caller reordered the tokens (tokens_in_backend_order) that reorder is not in it

  // Block-sparse back ends (asa, asa-gt) only; empty / zero otherwise.
  int64_t batch = 0;
  int64_t block_size = 0;
  int64_t query_blocks = 0;
  int64_t key_blocks = 0;
  int64_t mask_words_per_row = 0;
  // Bit-packed block mask: row (b * heads + h) * query_blocks + qb starts at word
  // row * mask_words_per_row; key block kb is bit kb % 64 of the row's word kb / 64.
  std::vector<uint64_t> mask_words;
  std::vector<double> kept_fraction_per_head;         // [heads], averaged over batch and query blocks
  std::vector<double> kept_fraction_per_query_block;  // [batch * heads * query_blocks]
  double global_fraction = 0.0;  // asa-gt: pooled global tokens per token (1 / pool_tokens)
  double probe_ms = 0.0;         // mask prediction (probe + selection)
  double kernel_ms = 0.0;        // the block-sparse attention itself
};

class AttentionObserver {
 public:
  virtual ~AttentionObserver() = default;
  virtual void on_attention_call(const AttentionCallStats& stats) = 0;
};

class AttentionBackend {
 public:
  virtual ~AttentionBackend() = default;
  virtual std::string name() const = 0;

  // q, k, v: [batch, heads, tokens, head_dim], same dtype and device. Returns softmax(q k^T /
  // sqrt(head_dim)) v, shaped like q; its strides are the back end's choice (callers reshape it).
  virtual torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const AttentionCallInfo& info) = 0;

  // Default: tokens as given, any strides.
  virtual AttentionInputLayout preferred_layout(const std::array<int64_t, 3>& grid, torch::Device device);
  void set_observer(AttentionObserver* observer) { observer_ = observer; }
  AttentionObserver* observer() const { return observer_; }

 private:
  AttentionObserver* observer_ = nullptr;
};

// Exact attention through torch::scaled_dot_product_attention (cuDNN / flash on the GPU).
class DenseAttention final : public AttentionBackend {
 public:
  std::string name() const override { return "dense"; }
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const AttentionCallInfo& info) override;
};

std::unique_ptr<AttentionBackend> make_dense_attention();

}  // namespace blade::attention
