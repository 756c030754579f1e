#pragma once
// Times dense attention against the block-sparse back ends on random inputs (`blade bench
// attention`): float32 on the CPU, bfloat16 on a GPU. Not a test: numbers depend on the machine.

#include <cstdint>
#include <string>
#include <vector>

namespace blade::attention {

enum class BenchMaskSource {
  Random = 1,  // each query block keeps ceil((1 - s) * key_blocks) random key blocks
  Probe,       // the ASA probe in fixed-sparsity mode (its time gets its own row)
};

struct AttentionBenchOptions {
  std::string device = "cpu";         // cpu: float32; cuda: bfloat16 (CUDA kernels when built)
  int64_t batch = 1;
  int64_t seq = 4096;
  int64_t heads = 4;
  int64_t dim = 64;
  int64_t block_size = 128;
  int64_t pool_tokens = 30;           // asa-gt rows
  std::vector<double> sparsities{0.9};
  BenchMaskSource mask = BenchMaskSource::Random;
  int repeats = 5;
  uint64_t seed = 0;
  // Set: the mask of each sparsity is saved as a bool tensor [B, H, query blocks, key blocks] that
  // Python's torch.load reads, to time other implementations on the very same mask. "{s}" in the
  // path is replaced by the sparsity.
  std::string mask_file;
};

struct AttentionBenchRow {
  std::string backend;            // "dense", "asa", "asa-gt", "asa-probe"
  double sparsity = 0.0;          // fraction of key blocks skipped (measured from the mask)
  double ms = 0.0;                // median over repeats
  double effective_tflops = 0.0;  // 4*B*H*L^2*D*(1 - sparsity) / time (dense: sparsity 0); probe: its own FLOPs
  double rel_err = 0.0;           // vs the exact float64 softmax over the same kept blocks, on a few
                                  // query blocks of batch 0 (0 for dense and the probe)
};

std::vector<AttentionBenchRow> bench_attention(const AttentionBenchOptions& options);

}  // namespace blade::attention
