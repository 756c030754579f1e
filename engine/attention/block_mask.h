#pragma once
// Which key blocks each query block attends to: a bit-packed mask per (batch, head, query block)
// over key blocks, plus the compact index form the sparse kernels consume.

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace blade::attention {

// Compressed rows: for row r = (batch * heads + head) * query_blocks + query_block, the kept key
// block indices (ascending) are indices[offsets[r] .. offsets[r + 1]).
struct BlockIndex {
  torch::Tensor offsets;  // int64 [rows + 1], CPU (or the GPU, when the CUDA probe made it)
  torch::Tensor indices;  // int64 [kept blocks]
};

class BlockMask {
 public:
  BlockMask() = default;
  BlockMask(int64_t batch, int64_t heads, int64_t query_blocks, int64_t key_blocks);  // all dropped

  static BlockMask all_kept(int64_t batch, int64_t heads, int64_t query_blocks, int64_t key_blocks);
  // From a bool (or 0/1) tensor [batch, heads, query_blocks, key_blocks].
  static BlockMask from_tensor(const torch::Tensor& keep);

  int64_t batch() const { return batch_; }
  int64_t heads() const { return heads_; }
  int64_t query_blocks() const { return query_blocks_; }
  int64_t key_blocks() const { return key_blocks_; }
  int64_t words_per_row() const { return words_per_row_; }
  int64_t rows() const { return batch_ * heads_ * query_blocks_; }
  int64_t row(int64_t b, int64_t h, int64_t qb) const { return (b * heads_ + h) * query_blocks_ + qb; }

  bool kept(int64_t b, int64_t h, int64_t qb, int64_t kb) const;
  void set(int64_t b, int64_t h, int64_t qb, int64_t kb, bool keep);

  int64_t kept_count() const;
  int64_t kept_count_in_row(int64_t row) const;
  double kept_fraction() const;                         // kept / (rows * key_blocks)
  std::vector<double> kept_fraction_per_head() const;   // [heads], averaged over batch and query blocks
  std::vector<double> kept_fraction_per_row() const;    // [batch * heads * query_blocks]

  torch::Tensor to_tensor() const;  // bool [batch, heads, query_blocks, key_blocks]
  BlockIndex to_index() const;

  // Row-major words: row r occupies words()[r * words_per_row() ...], bit kb % 64 of word kb / 64.
  const std::vector<uint64_t>& words() const { return words_; }

 private:
  int64_t batch_ = 0;
  int64_t heads_ = 0;
  int64_t query_blocks_ = 0;
  int64_t key_blocks_ = 0;
  int64_t words_per_row_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace blade::attention
