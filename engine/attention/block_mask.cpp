#include "attention/block_mask.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <bit>

namespace blade::attention {

BlockMask::BlockMask(int64_t batch, int64_t heads, int64_t query_blocks, int64_t key_blocks)
    : batch_(batch), heads_(heads), query_blocks_(query_blocks), key_blocks_(key_blocks),
      words_per_row_((key_blocks + 63) / 64) {
  if (batch < 0 || heads < 0 || query_blocks < 0 || key_blocks < 0) {
    fail(ErrorKind::Internal, "BlockMask: negative size ({}, {}, {}, {})", batch, heads, query_blocks, key_blocks);
  }
  words_.assign(static_cast<size_t>(rows() * words_per_row_), 0);
}

BlockMask BlockMask::all_kept(int64_t batch, int64_t heads, int64_t query_blocks, int64_t key_blocks) {
  BlockMask mask(batch, heads, query_blocks, key_blocks);
  for (int64_t r = 0; r < mask.rows(); ++r) {
    for (int64_t kb = 0; kb < key_blocks; ++kb) {
      mask.words_[static_cast<size_t>(r * mask.words_per_row_ + kb / 64)] |= uint64_t{1} << (kb % 64);
    }
  }
  return mask;
}

BlockMask BlockMask::from_tensor(const torch::Tensor& keep) {
  if (keep.dim() != 4) {
    fail(ErrorKind::InvalidArgument, "BlockMask::from_tensor expects [batch, heads, query_blocks, key_blocks], got {}",
         shape_string(keep.sizes()));
  }
  const auto flat = keep.to(torch::kCPU, torch::kBool).contiguous();
  BlockMask mask(keep.size(0), keep.size(1), keep.size(2), keep.size(3));
  const bool* data = flat.data_ptr<bool>();
  for (int64_t r = 0; r < mask.rows(); ++r) {
    for (int64_t kb = 0; kb < mask.key_blocks_; ++kb) {
      if (data[r * mask.key_blocks_ + kb]) {
        mask.words_[static_cast<size_t>(r * mask.words_per_row_ + kb / 64)] |= uint64_t{1} << (kb % 64);
      }
    }
  }
  return mask;
}

bool BlockMask::kept(int64_t b, int64_t h, int64_t qb, int64_t kb) const {
  const auto word = words_[static_cast<size_t>(row(b, h, qb) * words_per_row_ + kb / 64)];
  return (word >> (kb % 64)) & 1U;
}

void BlockMask::set(int64_t b, int64_t h, int64_t qb, int64_t kb, bool keep) {
  auto& word = words_[static_cast<size_t>(row(b, h, qb) * words_per_row_ + kb / 64)];
  const uint64_t bit = uint64_t{1} << (kb % 64);
  word = keep ? (word | bit) : (word & ~bit);
}

int64_t BlockMask::kept_count_in_row(int64_t r) const {
  int64_t count = 0;
  for (int64_t w = 0; w < words_per_row_; ++w) count += std::popcount(words_[static_cast<size_t>(r * words_per_row_ + w)]);
  return count;
}

int64_t BlockMask::kept_count() const {
  int64_t count = 0;
  for (uint64_t word : words_) count += std::popcount(word);
  return count;
}

double BlockMask::kept_fraction() const {
  const int64_t total = rows() * key_blocks_;
  return total == 0 ? 0.0 : static_cast<double>(kept_count()) / static_cast<double>(total);
}

std::vector<double> BlockMask::kept_fraction_per_head() const {
  std::vector<double> fractions(static_cast<size_t>(heads_), 0.0);
  const double cells = static_cast<double>(batch_ * query_blocks_ * key_blocks_);
  for (int64_t b = 0; b < batch_; ++b) {
    for (int64_t h = 0; h < heads_; ++h) {
      for (int64_t qb = 0; qb < query_blocks_; ++qb) fractions[static_cast<size_t>(h)] += kept_count_in_row(row(b, h, qb));
    }
  }
  for (auto& f : fractions) f = cells == 0 ? 0.0 : f / cells;
  return fractions;
}

std::vector<double> BlockMask::kept_fraction_per_row() const {
  std::vector<double> fractions(static_cast<size_t>(rows()), 0.0);
  for (int64_t r = 0; r < rows(); ++r) {
    fractions[static_cast<size_t>(r)] =
        key_blocks_ == 0 ? 0.0 : static_cast<double>(kept_count_in_row(r)) / static_cast<double>(key_blocks_);
  }
  return fractions;
}

torch::Tensor BlockMask::to_tensor() const {
  auto keep = torch::zeros({batch_, heads_, query_blocks_, key_blocks_}, torch::kBool);
  bool* data = keep.data_ptr<bool>();
  for (int64_t r = 0; r < rows(); ++r) {
    for (int64_t kb = 0; kb < key_blocks_; ++kb) {
      data[r * key_blocks_ + kb] = (words_[static_cast<size_t>(r * words_per_row_ + kb / 64)] >> (kb % 64)) & 1U;
    }
  }
  return keep;
}

BlockIndex BlockMask::to_index() const {
  auto offsets = torch::empty({rows() + 1}, torch::kInt64);
  auto indices = torch::empty({kept_count()}, torch::kInt64);
  int64_t* off = offsets.data_ptr<int64_t>();
  int64_t* idx = indices.data_ptr<int64_t>();
  int64_t n = 0;
  for (int64_t r = 0; r < rows(); ++r) {
    off[r] = n;
    for (int64_t w = 0; w < words_per_row_; ++w) {
      uint64_t word = words_[static_cast<size_t>(r * words_per_row_ + w)];
      while (word != 0) {
        idx[n++] = w * 64 + std::countr_zero(word);
        word &= word - 1;
      }
    }
  }
  off[rows()] = n;
  return {offsets, indices};
}

}  // namespace blade::attention
