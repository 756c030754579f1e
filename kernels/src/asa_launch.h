#pragma once
// Plain launch parameters shared by the CUDA sources (compiled by nvcc, no LibTorch) and the C++
// wrappers that check tensors and pick the instantiation. Tensors are flattened over (batch, heads) =
// bh: q/out [bh, query_tokens, dim], k/v [bh, key_tokens, dim], contiguous unless OperandStrides say
// otherwise (the Hopper forward only).

#include <cuda_runtime_api.h>

#include <cstdint>

namespace blade::kernels::detail {

enum class ElementType { BFloat16, Float16 };

// Which forward kernel runs: the Hopper one (wgmma, block size 128 on an sm_90 GPU) where it applies
// unless the mma.sync one is asked for; Hopper fails where it does not apply.
// Hopper: its consumer warpgroups independent; HopperTakingTurns (also what Auto runs): taking turns on
// the tensor cores.
enum class ForwardKernel { Auto, MmaSync, Hopper, HopperTakingTurns };

// What a launcher returns: the first CUDA error (cudaSuccess if none) and the kernel it concerns.
struct LaunchStatus {
  cudaError_t error = cudaSuccess;
  const char* kernel = "";
};

// Element strides of a [bh, tokens, dim] operand whose rows of dim elements are contiguous, e.g. the
// [B, tokens, heads, dim] layout of a linear layer's output with B = 1 (bh stride dim, token stride
// heads x dim). Zero: packed.
struct OperandStrides {
  int64_t bh = 0;
  int64_t token = 0;
  bool packed() const { return bh == 0 && token == 0; }
};

struct SparseForwardParams {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* out = nullptr;
  float* lse = nullptr;               // [bh, query_tokens], natural log
  const int64_t* offsets = nullptr;   // [bh * query_blocks + 1]
  const int64_t* indices = nullptr;   // kept key blocks of each row, ascending
  const void* global_k = nullptr;     // [bh, global_tokens, dim] or null
  const void* global_v = nullptr;
  const float* global_bias = nullptr; // [global_tokens], natural-log logit bias (ln n)
  // >= 0 (Hopper kernel): global tokens below this index have bias global_bias_full, the others
  // global_bias_tail, and global_bias is not read. -1: read global_bias.
  int global_full_tokens = -1;
  float global_bias_full = 0.0f;
  float global_bias_tail = 0.0f;
  int64_t bh = 0;
  int query_tokens = 0;
  int key_tokens = 0;
  int global_tokens = 0;
  int query_blocks = 0;
  int key_blocks = 0;
  float scale = 0.0f;                 // 1 / sqrt(dim)
  int key_tile = 0;                   // mma.sync kernel: keys per tile, 32 or 64; 0: the default for the shape
  ForwardKernel kernel = ForwardKernel::Auto;
  // Only the Hopper kernel reads other layouts; launch_sparse_forward refuses them for the others.
  OperandStrides q_strides, k_strides, v_strides, out_strides;
  bool packed() const {
    return q_strides.packed() && k_strides.packed() && v_strides.packed() && out_strides.packed();
  }
};

struct SparseBackwardParams {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const void* grad_out = nullptr;     // [bh, query_tokens, dim]
  const float* lse = nullptr;         // [bh, query_tokens]
  const float* delta = nullptr;       // [bh, query_tokens]: rowsum(grad_out * out)
  const void* global_k = nullptr;
  const void* global_v = nullptr;
  const float* global_bias = nullptr;
  float* grad_q = nullptr;            // [bh, query_tokens, dim] float32, zeroed, accumulated atomically
  void* grad_k = nullptr;             // [bh, key_tokens, dim]
  void* grad_v = nullptr;
  void* grad_global_k = nullptr;      // [bh, global_tokens, dim]
  void* grad_global_v = nullptr;
  const int32_t* key_row_queries = nullptr;  // [bh * key_blocks, query_blocks]: query blocks per key block
  const int32_t* key_row_counts = nullptr;   // [bh * key_blocks]
  int64_t bh = 0;
  int query_tokens = 0;
  int key_tokens = 0;
  int global_tokens = 0;
  int query_blocks = 0;
  int key_blocks = 0;
  float scale = 0.0f;
  int key_tile = 0;  // keys per thread block: 64, or 128 (block size 128 only); 0: the default
};

struct TransposeIndexParams {
  const int64_t* offsets = nullptr;
  const int64_t* indices = nullptr;
  int32_t* key_row_queries = nullptr;
  int32_t* key_row_counts = nullptr;
  int64_t bh = 0;
  int query_blocks = 0;
  int key_blocks = 0;
};

struct ProbeParams {
  const void* q = nullptr;
  const void* k = nullptr;
  const int64_t* query_offsets = nullptr;  // [bh, samples] in-block offsets
  const int64_t* key_offsets = nullptr;    // [bh, samples]
  float* scores = nullptr;                 // [bh, query_blocks, key_blocks] normalised P, or null
  bool select = true;                      // false: scores only
  int64_t* kept = nullptr;                 // [bh * query_blocks, capacity] ascending kept blocks
  int64_t* kept_counts = nullptr;          // [bh * query_blocks]
  bool* keep_mask = nullptr;               // [bh * query_blocks, key_blocks] or null
  int64_t bh = 0;
  int query_tokens = 0;
  int key_tokens = 0;
  int block_size = 0;
  int samples = 0;
  int query_blocks = 0;
  int key_blocks = 0;
  int capacity = 0;                        // row stride of `kept`
  float scale = 0.0f;
  // Selection (asa_probe.h kept_block_count): fixed_keep > 0 keeps that many; else the tau rule.
  double tau = 0.95;
  int drop_one = 0;                        // 1: the public code's rule (one block fewer)
  int min_keep = 1;
  int max_keep = 1;
  int fixed_keep = 0;
  // Set: the split probe (scores kernel + selection kernel) with this scratch for the sampled
  // maxima R, probe_scratch_floats() floats; null: the fused single kernel.
  float* r_scratch = nullptr;
  // With r_scratch on an sm_90 GPU and at most 16 samples: the scores by the Hopper (wgmma) kernel.
  bool sm90_scores = false;
};

struct CompactIndexParams {
  const int64_t* padded = nullptr;   // [rows, capacity]
  const int64_t* offsets = nullptr;  // [rows + 1]
  int64_t* indices = nullptr;
  int64_t rows = 0;
  int capacity = 0;
};

// Whether this build has sm_90a machine code and the current device is an sm_90 GPU (asked of the
// driver once per device).
bool current_device_runs_sm90a();
// Whether the Hopper probe scores kernel takes this many samples per block and head dim here.
bool sm90_probe_scores_applies(int samples, int dim);
LaunchStatus launch_probe_scores_sm90(const ProbeParams& p, ElementType type, int dim, float* scratch,
                                      cudaStream_t stream);

LaunchStatus launch_sparse_forward(const SparseForwardParams& p, ElementType type, int dim, int block_size,
                                   cudaStream_t stream);
// Whether the Hopper forward takes this head dim and block size on the current device.
bool sm90_forward_applies(int dim, int block_size);
// Whether the Hopper forward takes these tensors: 16-byte aligned addresses and strides (TMA), at least
// one query and key token.
bool sm90_forward_takes(const SparseForwardParams& p);
LaunchStatus launch_sparse_forward_sm90(const SparseForwardParams& p, ElementType type, int dim, cudaStream_t stream);
LaunchStatus launch_sparse_backward(const SparseBackwardParams& p, ElementType type, int dim, int block_size,
                                    cudaStream_t stream);
LaunchStatus launch_transpose_index(const TransposeIndexParams& p, cudaStream_t stream);
// Needs the largest dynamic shared memory the device allows a block (bytes).
LaunchStatus launch_probe(const ProbeParams& p, ElementType type, int dim, int max_shared_bytes, cudaStream_t stream);
// Whether the probe kernel takes this many samples per block and key blocks within the shared memory.
bool probe_fits(int samples, int key_blocks, int dim, int max_shared_bytes, bool split);
size_t probe_scratch_floats(int samples, int64_t rows, int key_blocks);
LaunchStatus launch_compact_index(const CompactIndexParams& p, cudaStream_t stream);

}  // namespace blade::kernels::detail
