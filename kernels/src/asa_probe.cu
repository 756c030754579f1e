// The ASA importance probe on the GPU, fused: sampled scores on tensor cores, max over the sampled
// keys of each key block, exp relative to the row max, max-pool over the sampled query rows, row
// normalisation, then the block selection (sort, energy threshold or fixed count, clamps) and the
// ascending list of kept key blocks. One warp per (bh, query block); the warps of a thread block
// share the sampled keys staged in shared memory.
//
// The sampled rows are read with 16-byte loads: thread t of a quad holds elements 8t..8t+7 of each
// 32-element slice of a row, which assigns the dot product's terms to mma k positions in a
// permuted order - the same permutation for both operands, so the products are unchanged.

#include "asa_launch.h"
#include "tensor_core.cuh"

#include <cmath>
#include <type_traits>

namespace blade::kernels::detail {
namespace {

using namespace blade::kernels::device;

constexpr int kMaxWarps = 8;
constexpr int kChunkRows = 64;  // sampled key rows staged per step
constexpr int kStages = 4;      // staging buffers in flight (covers the L2 latency)

int round_up(int x, int m) { return (x + m - 1) / m * m; }

int next_power_of_two(int x) {
  int n = 1;
  while (n < x) n <<= 1;
  return n;
}

// Shared memory of one thread block (warps x query blocks), in bytes, laid out in this order.
struct ProbeLayout {
  int sample_rows16 = 0;   // sampled query rows per block, padded to 16
  int sample_cols8 = 0;    // sampled keys per block, padded to 8
  int chunk_blocks = 0;    // key blocks staged per step
  int sort_size = 0;       // key_blocks rounded up to a power of two
  int warps = 0;
  size_t key_buffer = 0;   // one staging buffer
  size_t rows_region = 0;  // R [sample_rows16][key_blocks] floats, rounded up to 16 bytes
  size_t per_warp = 0;     // R rows, row maxima, sort keys
  size_t total = 0;
};

ProbeLayout probe_layout(int samples, int key_blocks, int dim, int warps) {
  ProbeLayout l;
  l.sample_rows16 = round_up(samples, 16);
  l.sample_cols8 = round_up(samples, 8);
  l.chunk_blocks = kChunkRows / l.sample_cols8 > 0 ? kChunkRows / l.sample_cols8 : 1;
  l.sort_size = next_power_of_two(key_blocks);
  l.warps = warps;
  l.key_buffer = static_cast<size_t>(l.chunk_blocks) * l.sample_cols8 * dim * 2;
  l.rows_region = static_cast<size_t>(round_up(l.sample_rows16 * key_blocks * static_cast<int>(sizeof(float)), 16));
  l.per_warp = l.rows_region + 32 * sizeof(float) +
               static_cast<size_t>(l.sort_size) * sizeof(uint64_t);
  l.total = kStages * l.key_buffer + 256 + l.per_warp * warps;
  return l;
}

// Staged sampled key rows: 16-byte chunk c of row r sits at chunk c ^ 4 * (r & 1), so that the
// eight row/chunk pairs of each quarter-warp load fall in distinct bank groups.
template <typename T, int D>
__device__ __forceinline__ const uint4* staged_chunk(const T* buffer, int row, int chunk) {
  return reinterpret_cast<const uint4*>(buffer + row * D) + (chunk ^ ((row & 1) << 2));
}

// Selection of one row from its normalised scores P (shared memory, the warp's own): sort,
// kept count, ascending list of kept blocks, optional keep mask. Reuses `scores` for flags.
__device__ void finish_row(const ProbeParams& p, int64_t out_row, float* scores, uint64_t* sort_keys, int N, int lane) {
  const int KB = p.key_blocks;

  // Sort descending by score, ties by the lower block index (scores are >= 0, so their bit
  // patterns order like the values).
  for (int j = lane; j < N; j += 32) {
    sort_keys[j] = j < KB ? (static_cast<uint64_t>(__float_as_uint(scores[j])) << 32) | (0xffffffffu - static_cast<uint32_t>(j))
                          : 0ull;
  }
  __syncwarp();
  for (int size = 2; size <= N; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int i = lane; i < N; i += 32) {
        const int partner = i ^ stride;
        if (partner > i) {
          const uint64_t a = sort_keys[i], b = sort_keys[partner];
          const bool descending = (i & size) == 0;
          if (descending ? a < b : a > b) {
            sort_keys[i] = b;
            sort_keys[partner] = a;
          }
        }
      }
      __syncwarp();
    }
  }

  // The kept count, exactly as the CPU rule: sequential float64 sums over the sorted scores.
  int keep = 0;
  if (lane == 0) {
    if (p.fixed_keep > 0) {
      keep = p.fixed_keep;
    } else {
      double total = 0.0;
      for (int i = 0; i < KB; ++i) total += static_cast<double>(__uint_as_float(static_cast<uint32_t>(sort_keys[i] >> 32)));
      int count = KB;
      double cumulative = 0.0;
      for (int i = 0; i < KB; ++i) {
        cumulative += static_cast<double>(__uint_as_float(static_cast<uint32_t>(sort_keys[i] >> 32)));
        if (cumulative >= p.tau * total) {
          count = i + 1 - p.drop_one;
          break;
        }
      }
      keep = min(max(count, p.min_keep), p.max_keep);
    }
  }
  keep = __shfl_sync(0xffffffffu, keep, 0);

  unsigned char* flags = reinterpret_cast<unsigned char*>(scores);  // the scores are in sort_keys now
  for (int j = lane; j < KB; j += 32) flags[j] = 0;
  __syncwarp();
  for (int i = lane; i < keep; i += 32) flags[0xffffffffu - static_cast<uint32_t>(sort_keys[i] & 0xffffffffu)] = 1;
  __syncwarp();
  int written = 0;
  for (int base = 0; base < KB; base += 32) {
    const int j = base + lane;
    const bool kept = j < KB && flags[j];
    const unsigned ballot = __ballot_sync(0xffffffffu, kept);
    if (kept) p.kept[out_row * p.capacity + written + __popc(ballot & ((1u << lane) - 1u))] = j;
    if (p.keep_mask && j < KB) p.keep_mask[out_row * KB + j] = kept;
    written += __popc(ballot);
  }
  if (lane == 0) p.kept_counts[out_row] = written;
}

// MT: 16-row m-tiles of sampled queries; NT: 8-column n-tiles of sampled keys per key block.
template <typename T, int D, int MT, int NT>
__global__ void probe_kernel(const ProbeParams p, const ProbeLayout layout) {
  extern __shared__ __align__(128) unsigned char shared[];
  auto key_buffer = [&](int b) { return reinterpret_cast<T*>(shared + b * layout.key_buffer); };
  int* key_offsets = reinterpret_cast<int*>(shared + kStages * layout.key_buffer);  // [sample_cols8] (<= 64)
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  unsigned char* mine = shared + kStages * layout.key_buffer + 256 + layout.per_warp * warp;
  float* rows = reinterpret_cast<float*>(mine);  // R [sample_rows16][key_blocks]
  float* row_max = reinterpret_cast<float*>(mine + layout.rows_region);
  uint64_t* sort_keys = reinterpret_cast<uint64_t*>(row_max + 32);

  const int64_t bh = blockIdx.y;
  const int qb = blockIdx.x * layout.warps + warp;
  const bool active = qb < p.query_blocks;
  constexpr int S8 = NT * 8, CB = kChunkRows / S8;  // CB key blocks per stage
  const int S = p.samples, KB = p.key_blocks;
  const T* q = static_cast<const T*>(p.q) + bh * p.query_tokens * D;
  const T* k = static_cast<const T*>(p.k) + bh * p.key_tokens * D;

  for (int i = threadIdx.x; i < S8; i += blockDim.x) key_offsets[i] = i < S ? static_cast<int>(p.key_offsets[bh * S + i]) : -1;

  // This warp's sampled query rows as A fragments (rows past S are zero).
  uint4 qa[MT][D / 32][2];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int r = mt * 16 + g + 8 * h;
      const bool valid = active && r < S;
      const int64_t pos = valid ? min64(static_cast<int64_t>(qb) * p.block_size + p.query_offsets[bh * S + r],
                                        p.query_tokens - 1)
                                : 0;
#pragma unroll
      for (int c = 0; c < D / 32; ++c) {
        qa[mt][c][h] = valid ? *reinterpret_cast<const uint4*>(q + pos * D + c * 32 + t * 8) : make_uint4(0, 0, 0, 0);
      }
    }
  }
  __syncthreads();  // key_offsets

  auto stage = [&](int chunk_index, int buffer) {
    const int first_block = chunk_index * CB;
    constexpr int rows_in_chunk = CB * S8;
    for (int i = threadIdx.x; i < rows_in_chunk * (D / 8); i += blockDim.x) {
      const int row = i / (D / 8), chunk = i % (D / 8);
      const int block = first_block + row / S8, column = row % S8;
      const bool valid = block < KB && key_offsets[column] >= 0;
      const int64_t pos = valid ? min64(static_cast<int64_t>(block) * p.block_size + key_offsets[column], p.key_tokens - 1) : 0;
      T* dst = key_buffer(buffer) + row * D + ((chunk ^ ((row & 1) << 2)) << 3);
      cp_async16(dst, k + pos * D + chunk * 8, valid);
    }
  };

  const int chunks = (KB + CB - 1) / CB;
#pragma unroll
  for (int st = 0; st < kStages - 1; ++st) {
    if (st < chunks) stage(st, st);
    cp_async_commit();
  }
  for (int ci = 0; ci < chunks; ++ci) {
    if (ci + kStages - 1 < chunks) stage(ci + kStages - 1, (ci + kStages - 1) % kStages);
    cp_async_commit();  // possibly empty: keeps the group count uniform
    cp_async_wait<kStages - 1>();
    __syncthreads();
    const T* buffer = key_buffer(ci % kStages);
    if (active) {
      // Independent accumulators for every (block, n-tile, m-tile) keep the tensor cores busy.
      float acc[CB][NT][MT][4];
#pragma unroll
      for (int jj = 0; jj < CB; ++jj) {
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) acc[jj][nt][mt][0] = acc[jj][nt][mt][1] = acc[jj][nt][mt][2] = acc[jj][nt][mt][3] = 0.0f;
        }
      }
#pragma unroll
      for (int c = 0; c < D / 32; ++c) {
#pragma unroll
        for (int jj = 0; jj < CB; ++jj) {
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            const uint4 kb = *staged_chunk<T, D>(buffer, jj * S8 + nt * 8 + g, c * 4 + t);
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              const uint32_t a0[4] = {qa[mt][c][0].x, qa[mt][c][1].x, qa[mt][c][0].y, qa[mt][c][1].y};
              const uint32_t a1[4] = {qa[mt][c][0].z, qa[mt][c][1].z, qa[mt][c][0].w, qa[mt][c][1].w};
              mma16816<T>(acc[jj][nt][mt], a0, kb.x, kb.y);
              mma16816<T>(acc[jj][nt][mt], a1, kb.z, kb.w);
            }
          }
        }
      }
#pragma unroll
      for (int jj = 0; jj < CB; ++jj) {
        const int block = ci * CB + jj;
        float best[MT][2];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) best[mt][0] = best[mt][1] = -INFINITY;
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            if (nt * 8 + 2 * t + (e & 1) < S) {
#pragma unroll
              for (int mt = 0; mt < MT; ++mt) best[mt][e / 2] = fmaxf(best[mt][e / 2], acc[jj][nt][mt][e]);
            }
          }
        }
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const float m = quad_max(best[mt][h]);
            if (t == 0 && block < KB) rows[(mt * 16 + g + 8 * h) * KB + block] = m * p.scale;
          }
        }
      }
    }
    __syncthreads();
  }
  cp_async_wait<0>();
  if (!active) return;

  // Row maxima over the key blocks, then P[j] = max_r exp(R[r, j] - max_r) into rows[0].
  for (int r = 0; r < S; ++r) {
    float m = -INFINITY;
    for (int j = lane; j < KB; j += 32) m = fmaxf(m, rows[r * KB + j]);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    if (lane == 0) row_max[r] = m;
  }
  __syncwarp();
  float partial = 0.0f;
  for (int j = lane; j < KB; j += 32) {
    float pooled = 0.0f;
    for (int r = 0; r < S; ++r) pooled = fmaxf(pooled, expf(rows[r * KB + j] - row_max[r]));
    rows[j] = pooled;
    partial += pooled;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) partial += __shfl_xor_sync(0xffffffffu, partial, o);
  const int64_t out_row = bh * p.query_blocks + qb;
  for (int j = lane; j < KB; j += 32) {
    rows[j] = rows[j] / partial;
    if (p.scores) p.scores[out_row * KB + j] = rows[j];
  }
  if (!p.select) return;
  __syncwarp();
  finish_row(p, out_row, rows, sort_keys, layout.sort_size, lane);
}

// --- Split probe (the default): a scores kernel writes R to a global scratch, a selection kernel
// finishes. The scores kernel keeps only key staging in shared memory (two blocks per
// multiprocessor) and stages 128 sampled keys per step; R is stored block-major, [row][key
// block][sampled query]. On an H200 (Wan 480p shape) it took 0.34 ms against the fused kernel's
// 0.53 ms, whose R in shared memory allows one block of 8 warps per multiprocessor.

constexpr int kSplitWarps = 8;
constexpr int kSplitStages = 3;
constexpr int kSplitStageRows = 128;

template <int NT>
struct SplitShape {
  static constexpr int S8 = NT * 8;
  static constexpr int GROUP = 8 / NT > 0 ? 8 / NT : 1;                    // key blocks per accumulator set
  static constexpr int STAGE_BLOCKS = kSplitStageRows / S8 / GROUP * GROUP;  // key blocks per stage
};

template <int D, int NT>
constexpr int split_shared_bytes() {
  return kSplitStages * SplitShape<NT>::STAGE_BLOCKS * SplitShape<NT>::S8 * D * 2 + 256;
}

template <typename T, int D, int MT, int NT>
__global__ void __launch_bounds__(kSplitWarps * 32, MT == 1 ? 2 : 1) probe_scores_kernel(const ProbeParams p, float* r_out) {
  using Shape = SplitShape<NT>;
  constexpr int S8 = Shape::S8, GROUP = Shape::GROUP, SB = Shape::STAGE_BLOCKS, S16 = MT * 16;
  constexpr size_t stage_bytes = static_cast<size_t>(SB) * S8 * D * 2;
  extern __shared__ __align__(128) unsigned char shared[];
  auto key_buffer = [&](int b) { return reinterpret_cast<T*>(shared + b * stage_bytes); };
  int* key_offsets = reinterpret_cast<int*>(shared + kSplitStages * stage_bytes);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int64_t bh = blockIdx.y;
  const int qb = blockIdx.x * kSplitWarps + warp;
  const bool active = qb < p.query_blocks;
  const int S = p.samples, KB = p.key_blocks;
  const T* q = static_cast<const T*>(p.q) + bh * p.query_tokens * D;
  const T* k = static_cast<const T*>(p.k) + bh * p.key_tokens * D;
  for (int i = threadIdx.x; i < S8; i += blockDim.x) key_offsets[i] = i < S ? static_cast<int>(p.key_offsets[bh * S + i]) : -1;

  uint4 qa[MT][D / 32][2];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int r = mt * 16 + g + 8 * h;
      const bool valid = active && r < S;
      const int64_t pos = valid ? min64(static_cast<int64_t>(qb) * p.block_size + p.query_offsets[bh * S + r],
                                        p.query_tokens - 1)
                                : 0;
#pragma unroll
      for (int c = 0; c < D / 32; ++c) {
        qa[mt][c][h] = valid ? *reinterpret_cast<const uint4*>(q + pos * D + c * 32 + t * 8) : make_uint4(0, 0, 0, 0);
      }
    }
  }
  __syncthreads();

  auto stage = [&](int chunk_index, int buffer) {
    const int first_block = chunk_index * SB;
    for (int i = threadIdx.x; i < SB * S8 * (D / 8); i += blockDim.x) {
      const int row = i / (D / 8), chunk = i % (D / 8);
      const int block = first_block + row / S8, column = row % S8;
      const bool valid = block < KB && key_offsets[column] >= 0;
      const int64_t pos = valid ? min64(static_cast<int64_t>(block) * p.block_size + key_offsets[column], p.key_tokens - 1) : 0;
      T* dst = key_buffer(buffer) + row * D + ((chunk ^ ((row & 1) << 2)) << 3);
      cp_async16(dst, k + pos * D + chunk * 8, valid);
    }
  };

  float* r_row = r_out + (bh * p.query_blocks + qb) * static_cast<int64_t>(KB) * S16;
  const int chunks = (KB + SB - 1) / SB;
#pragma unroll
  for (int st = 0; st < kSplitStages - 1; ++st) {
    if (st < chunks) stage(st, st);
    cp_async_commit();
  }
  for (int ci = 0; ci < chunks; ++ci) {
    if (ci + kSplitStages - 1 < chunks) stage(ci + kSplitStages - 1, (ci + kSplitStages - 1) % kSplitStages);
    cp_async_commit();
    cp_async_wait<kSplitStages - 1>();
    __syncthreads();
    const T* buffer = key_buffer(ci % kSplitStages);
    if (active) {
#pragma unroll 1
      for (int group = 0; group < SB / GROUP; ++group) {
        float acc[GROUP][NT][MT][4];
#pragma unroll
        for (int jj = 0; jj < GROUP; ++jj) {
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) acc[jj][nt][mt][0] = acc[jj][nt][mt][1] = acc[jj][nt][mt][2] = acc[jj][nt][mt][3] = 0.0f;
          }
        }
#pragma unroll
        for (int c = 0; c < D / 32; ++c) {
#pragma unroll
          for (int jj = 0; jj < GROUP; ++jj) {
#pragma unroll
            for (int nt = 0; nt < NT; ++nt) {
              const uint4 kb = *staged_chunk<T, D>(buffer, (group * GROUP + jj) * S8 + nt * 8 + g, c * 4 + t);
#pragma unroll
              for (int mt = 0; mt < MT; ++mt) {
                const uint32_t a0[4] = {qa[mt][c][0].x, qa[mt][c][1].x, qa[mt][c][0].y, qa[mt][c][1].y};
                const uint32_t a1[4] = {qa[mt][c][0].z, qa[mt][c][1].z, qa[mt][c][0].w, qa[mt][c][1].w};
                mma16816<T>(acc[jj][nt][mt], a0, kb.x, kb.y);
                mma16816<T>(acc[jj][nt][mt], a1, kb.z, kb.w);
              }
            }
          }
        }
#pragma unroll
        for (int jj = 0; jj < GROUP; ++jj) {
          const int block = ci * SB + group * GROUP + jj;
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              float best = -INFINITY;
#pragma unroll
              for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                  if (nt * 8 + 2 * t + e < S) best = fmaxf(best, acc[jj][nt][mt][2 * h + e]);
                }
              }
              best = quad_max(best);
              if (t == 0 && block < KB) r_row[static_cast<int64_t>(block) * S16 + mt * 16 + g + 8 * h] = best * p.scale;
            }
          }
        }
      }
    }
    __syncthreads();
  }
  cp_async_wait<0>();
}

// One warp per (bh, query block): row maxima of R, P, normalisation, then finish_row.
template <int MT>
__global__ void probe_select_kernel(const ProbeParams p, const float* r_in, int warps, int sort_size, size_t per_warp) {
  constexpr int S16 = MT * 16;
  extern __shared__ __align__(16) unsigned char shared[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t out_row = static_cast<int64_t>(blockIdx.x) * warps + warp;
  if (out_row >= p.bh * p.query_blocks) return;
  const int KB = p.key_blocks, S = p.samples;
  float* scores = reinterpret_cast<float*>(shared + per_warp * warp);
  uint64_t* sort_keys = reinterpret_cast<uint64_t*>(shared + per_warp * warp + static_cast<size_t>((KB + 1) / 2) * 8);
  const float* r_row = r_in + out_row * static_cast<int64_t>(KB) * S16;

  float row_max[S16];
#pragma unroll
  for (int i = 0; i < S16; ++i) row_max[i] = -INFINITY;
  for (int j = lane; j < KB; j += 32) {
    const float4* v = reinterpret_cast<const float4*>(r_row + static_cast<int64_t>(j) * S16);
#pragma unroll
    for (int i = 0; i < S16 / 4; ++i) {
      const float4 x = v[i];
      row_max[4 * i] = fmaxf(row_max[4 * i], x.x);
      row_max[4 * i + 1] = fmaxf(row_max[4 * i + 1], x.y);
      row_max[4 * i + 2] = fmaxf(row_max[4 * i + 2], x.z);
      row_max[4 * i + 3] = fmaxf(row_max[4 * i + 3], x.w);
    }
  }
#pragma unroll
  for (int i = 0; i < S16; ++i) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) row_max[i] = fmaxf(row_max[i], __shfl_xor_sync(0xffffffffu, row_max[i], o));
  }
  float partial = 0.0f;
  for (int j = lane; j < KB; j += 32) {
    const float4* v = reinterpret_cast<const float4*>(r_row + static_cast<int64_t>(j) * S16);
    float pooled = 0.0f;
#pragma unroll
    for (int i = 0; i < S16 / 4; ++i) {
      const float4 x = v[i];
      const float values[4] = {x.x, x.y, x.z, x.w};
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        if (4 * i + e < S) pooled = fmaxf(pooled, expf(values[e] - row_max[4 * i + e]));
      }
    }
    scores[j] = pooled;
    partial += pooled;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) partial += __shfl_xor_sync(0xffffffffu, partial, o);
  for (int j = lane; j < KB; j += 32) {
    scores[j] = scores[j] / partial;
    if (p.scores) p.scores[out_row * KB + j] = scores[j];
  }
  if (!p.select) return;
  __syncwarp();
  finish_row(p, out_row, scores, sort_keys, sort_size, lane);
}

size_t select_per_warp_bytes(int key_blocks) {
  return static_cast<size_t>((key_blocks + 1) / 2) * 8 + static_cast<size_t>(next_power_of_two(key_blocks)) * 8;
}

template <typename T, int D, int MT, int NT>
LaunchStatus launch_split(const ProbeParams& p, int max_shared, float* scratch, cudaStream_t stream) {
  cudaError_t error = cudaSuccess;
  if (p.sm90_scores) {
    constexpr ElementType type = std::is_same_v<T, __nv_bfloat16> ? ElementType::BFloat16 : ElementType::Float16;
    const LaunchStatus scores = launch_probe_scores_sm90(p, type, D, scratch, stream);
    if (scores.error != cudaSuccess) return scores;
  } else {
    constexpr int shared_bytes = split_shared_bytes<D, NT>();
    auto scores_kernel = probe_scores_kernel<T, D, MT, NT>;
    error = cudaFuncSetAttribute(scores_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared_bytes);
    if (error != cudaSuccess) return {error, "probe_scores_kernel"};
    const dim3 grid(static_cast<unsigned>((p.query_blocks + kSplitWarps - 1) / kSplitWarps), static_cast<unsigned>(p.bh));
    scores_kernel<<<grid, kSplitWarps * 32, shared_bytes, stream>>>(p, scratch);
    error = cudaGetLastError();
    if (error != cudaSuccess) return {error, "probe_scores_kernel"};
  }

  const size_t per_warp = select_per_warp_bytes(p.key_blocks);
  int warps = kMaxWarps;
  while (warps > 1 && per_warp * warps > static_cast<size_t>(max_shared)) warps /= 2;
  if (per_warp * warps > static_cast<size_t>(max_shared)) return {cudaErrorInvalidValue, "probe_select_kernel (too many key blocks)"};
  auto select_kernel = probe_select_kernel<MT>;
  error = cudaFuncSetAttribute(select_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(per_warp * warps));
  if (error != cudaSuccess) return {error, "probe_select_kernel"};
  const int64_t rows = p.bh * p.query_blocks;
  select_kernel<<<static_cast<unsigned>((rows + warps - 1) / warps), warps * 32, per_warp * warps, stream>>>(
      p, scratch, warps, next_power_of_two(p.key_blocks), per_warp);
  return {cudaGetLastError(), "probe_select_kernel"};
}

template <typename T, int D, int MT, int NT>
LaunchStatus launch(const ProbeParams& p, int max_shared, cudaStream_t stream) {
  const char* name = "probe_kernel";
  int warps = kMaxWarps;
  ProbeLayout layout = probe_layout(p.samples, p.key_blocks, D, warps);
  while (layout.total > static_cast<size_t>(max_shared) && warps > 1) layout = probe_layout(p.samples, p.key_blocks, D, warps /= 2);
  if (layout.total > static_cast<size_t>(max_shared)) return {cudaErrorInvalidValue, "probe_kernel (too many key blocks for shared memory)"};
  auto kernel = probe_kernel<T, D, MT, NT>;
  cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(layout.total));
  if (error != cudaSuccess) return {error, name};
  const dim3 grid(static_cast<unsigned>((p.query_blocks + warps - 1) / warps), static_cast<unsigned>(p.bh));
  kernel<<<grid, warps * 32, layout.total, stream>>>(p, layout);
  return {cudaGetLastError(), name};
}

template <typename T, int D, int MT, int NT>
LaunchStatus launch_variant(const ProbeParams& p, int max_shared, cudaStream_t stream) {
  return p.r_scratch ? launch_split<T, D, MT, NT>(p, max_shared, p.r_scratch, stream) : launch<T, D, MT, NT>(p, max_shared, stream);
}

template <typename T, int D>
LaunchStatus launch_rows(const ProbeParams& p, int max_shared, cudaStream_t stream) {
  if (p.samples <= 8) return launch_variant<T, D, 1, 1>(p, max_shared, stream);
  if (p.samples <= 16) return launch_variant<T, D, 1, 2>(p, max_shared, stream);
  if (p.samples <= 24) return launch_variant<T, D, 2, 3>(p, max_shared, stream);
  if (p.samples <= 32) return launch_variant<T, D, 2, 4>(p, max_shared, stream);
  return {cudaErrorInvalidValue, "probe_kernel (more than 32 sampled tokens per block)"};
}

template <typename T>
LaunchStatus launch_typed(const ProbeParams& p, int dim, int max_shared, cudaStream_t stream) {
  if (dim == 64) return launch_rows<T, 64>(p, max_shared, stream);
  if (dim == 128) return launch_rows<T, 128>(p, max_shared, stream);
  return {cudaErrorInvalidValue, "probe_kernel (unsupported head dim)"};
}

__global__ void compact_index_kernel(const CompactIndexParams p) {
  const int64_t row = blockIdx.x;
  const int64_t first = p.offsets[row], count = p.offsets[row + 1] - first;
  for (int i = threadIdx.x; i < count; i += blockDim.x) p.indices[first + i] = p.padded[row * p.capacity + i];
}

}  // namespace

bool probe_fits(int samples, int key_blocks, int dim, int max_shared, bool split) {
  if (samples < 1 || samples > 32) return false;
  if (split) return select_per_warp_bytes(key_blocks) <= static_cast<size_t>(max_shared);
  return probe_layout(samples, key_blocks, dim, 1).total <= static_cast<size_t>(max_shared);
}

size_t probe_scratch_floats(int samples, int64_t rows, int key_blocks) {
  return static_cast<size_t>(rows) * key_blocks * static_cast<size_t>(round_up(samples, 16));
}

LaunchStatus launch_probe(const ProbeParams& p, ElementType type, int dim, int max_shared_bytes, cudaStream_t stream) {
  if (p.bh == 0 || p.query_blocks == 0 || p.key_blocks == 0) return {};
  return type == ElementType::BFloat16 ? launch_typed<__nv_bfloat16>(p, dim, max_shared_bytes, stream)
                                       : launch_typed<__half>(p, dim, max_shared_bytes, stream);
}

LaunchStatus launch_compact_index(const CompactIndexParams& p, cudaStream_t stream) {
  if (p.rows == 0) return {};
  compact_index_kernel<<<static_cast<unsigned>(p.rows), 64, 0, stream>>>(p);
  return {cudaGetLastError(), "compact_index_kernel"};
}

}  // namespace blade::kernels::detail
