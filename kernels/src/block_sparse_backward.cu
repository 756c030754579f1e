// Block-sparse flash-attention backward (FlashAttention-2 style): one thread block per 64-key tile
// (a sub-tile of a key block, or of the ASA-GT global tokens), looping over the query tiles that
// attend it. dK and dV accumulate in registers; dQ is added to a float32 buffer with atomics.
// P is recomputed from the saved LSE, so the ASA-GT bias and the sparse tiles share one softmax.

#include "asa_launch.h"
#include "tensor_core.cuh"

#include <cmath>

namespace blade::kernels::detail {
namespace {

using namespace blade::kernels::device;

constexpr float kLog2e = 1.4426950408889634f;

template <typename T, int D, int BS, int KEYS>
struct BackwardConfig {
  static_assert(KEYS <= BS, "a thread block's keys lie in one key block");
  static constexpr int BN = KEYS;               // keys per thread block (64, or 128: half the dQ atomics)
  static constexpr int BQ = D == 128 ? 32 : 64;  // queries per iteration (register budget)
  static constexpr int WARPS = BN / 16;         // each owns 16 keys
  static constexpr int THREADS = WARPS * 32;
  static constexpr int QSUB = BS / BQ;          // query tiles per query block
  static constexpr int QT = BQ / 8;             // 8-query column tiles of S^T
  // dQ = dS K: warps split the BQ x D product into 16-row x DQ_COLS pieces.
  static constexpr int DQ_ROW_GROUPS = BQ / 16;
  static constexpr int DQ_COLS = D / (WARPS / DQ_ROW_GROUPS);
  static constexpr int ELEMENTS = (2 * BN + 4 * BQ) * D + BN * BQ;
  static constexpr int SHARED_BYTES = ELEMENTS * static_cast<int>(sizeof(T)) + 4 * BQ * static_cast<int>(sizeof(float));
};

template <typename T, int D, int BS, int KEYS>
__global__ void __launch_bounds__(BackwardConfig<T, D, BS, KEYS>::THREADS)
    sparse_backward_kernel(const SparseBackwardParams p) {
  using C = BackwardConfig<T, D, BS, KEYS>;
  constexpr int BN = C::BN, BQ = C::BQ, QT = C::QT;
  extern __shared__ __align__(128) unsigned char shared_raw[];
  T* shared = reinterpret_cast<T*>(shared_raw);
  const SwizzledTile<T, D> sk{shared};
  const SwizzledTile<T, D> sv{shared + BN * D};
  auto q_tile_of = [&](int buffer) { return SwizzledTile<T, D>{shared + (2 * BN + 2 * buffer * BQ) * D}; };
  auto do_tile_of = [&](int buffer) { return SwizzledTile<T, D>{shared + (2 * BN + (2 * buffer + 1) * BQ) * D}; };
  const SwizzledTile<T, BQ> sds{shared + (2 * BN + 4 * BQ) * D};  // dS^T [key][query]
  float* row_stats = reinterpret_cast<float*>(shared + C::ELEMENTS);  // [buffer][lse | delta][BQ]

  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, quad = lane % 4;
  const int64_t bh = blockIdx.y;
  const int global_tiles = p.global_k ? (p.global_tokens + BN - 1) / BN : 0;
  const bool is_global = static_cast<int>(blockIdx.x) < global_tiles;

  // The key tile of this block and the query tiles that attend it.
  int64_t key_first;
  int key_valid, iterations;
  const int32_t* query_blocks = nullptr;
  if (is_global) {
    key_first = static_cast<int64_t>(blockIdx.x) * BN;
    key_valid = static_cast<int>(min64(BN, p.global_tokens - key_first));
    iterations = (p.query_tokens + BQ - 1) / BQ;
  } else {
    key_first = static_cast<int64_t>(blockIdx.x - global_tiles) * BN;
    key_valid = static_cast<int>(min64(BN, p.key_tokens - key_first));
    const int64_t key_row = bh * p.key_blocks + key_first / BS;
    query_blocks = p.key_row_queries + key_row * p.query_blocks;
    iterations = p.key_row_counts[key_row] * C::QSUB;
  }
  auto query_first = [&](int it) -> int64_t {
    if (is_global) return static_cast<int64_t>(it) * BQ;
    return static_cast<int64_t>(query_blocks[it / C::QSUB]) * BS + (it % C::QSUB) * BQ;
  };

  const int64_t key_stride = is_global ? p.global_tokens : p.key_tokens;
  const T* k = static_cast<const T*>(is_global ? p.global_k : p.k) + bh * key_stride * D;
  const T* v = static_cast<const T*>(is_global ? p.global_v : p.v) + bh * key_stride * D;
  const T* q = static_cast<const T*>(p.q) + bh * p.query_tokens * D;
  const T* dout = static_cast<const T*>(p.grad_out) + bh * p.query_tokens * D;
  const float* lse = p.lse + bh * p.query_tokens;
  const float* delta = p.delta + bh * p.query_tokens;
  float* grad_q = p.grad_q + bh * p.query_tokens * D;

  load_tile_async<BN, D, C::THREADS>(sk, k, key_first, key_valid, tid);
  load_tile_async<BN, D, C::THREADS>(sv, v, key_first, key_valid, tid);

  // Loads query tile `it` (Q, dO asynchronously; LSE and delta by plain stores).
  auto load_queries = [&](int it, int buffer) {
    const int64_t first = query_first(it);
    const int valid = static_cast<int>(min64(BQ, p.query_tokens - first));
    load_tile_async<BQ, D, C::THREADS>(q_tile_of(buffer), q, first, valid, tid);
    load_tile_async<BQ, D, C::THREADS>(do_tile_of(buffer), dout, first, valid, tid);
    float* stats = row_stats + buffer * 2 * BQ;
    for (int i = tid; i < BQ; i += C::THREADS) {
      // Rows past the end, and rows that attended nothing (LSE -inf), get probability 0.
      float row_lse = INFINITY, row_delta = 0.0f;
      if (i < valid) {
        row_lse = lse[first + i];
        row_lse = row_lse == -INFINITY ? INFINITY : row_lse * kLog2e;
        row_delta = delta[first + i];
      }
      stats[i] = row_lse;
      stats[BQ + i] = row_delta;
    }
  };
  if (iterations > 0) load_queries(0, 0);
  cp_async_commit();

  // This thread's two key rows (g and g + 8 of the warp's 16): bias and validity.
  const int key_local[2] = {warp * 16 + lane / 4, warp * 16 + lane / 4 + 8};
  float key_bias[2] = {0.0f, 0.0f};
  bool key_ok[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    key_ok[h] = key_local[h] < key_valid;
    if (is_global && key_ok[h]) key_bias[h] = p.global_bias[key_first + key_local[h]] * kLog2e;
  }

  float dk[D / 8][4], dv[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) {
#pragma unroll
    for (int e = 0; e < 4; ++e) dk[n][e] = dv[n][e] = 0.0f;
  }
  const float scale_log2 = p.scale * kLog2e;

  for (int it = 0; it < iterations; ++it) {
    const int buffer = it & 1;
    if (it + 1 < iterations) {
      load_queries(it + 1, buffer ^ 1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const SwizzledTile<T, D> sq = q_tile_of(buffer), sdo = do_tile_of(buffer);
    const float* s_lse = row_stats + buffer * 2 * BQ;
    const float* s_delta = s_lse + BQ;

    // S^T = K Q^T and dP^T = V dO^T for the warp's 16 keys and the BQ queries.
    float st[QT][4], dpt[QT][4];
#pragma unroll
    for (int j = 0; j < QT; ++j) {
#pragma unroll
      for (int e = 0; e < 4; ++e) st[j][e] = dpt[j][e] = 0.0f;
    }
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t ka[4], va[4];
      ldmatrix_x4(ka, sk.at(warp * 16 + (lane % 8) + ((lane / 8) % 2) * 8, kk * 16 + (lane / 16) * 8));
      ldmatrix_x4(va, sv.at(warp * 16 + (lane % 8) + ((lane / 8) % 2) * 8, kk * 16 + (lane / 16) * 8));
#pragma unroll
      for (int jp = 0; jp < QT / 2; ++jp) {
        uint32_t b[4];
        ldmatrix_x4(b, sq.at(jp * 16 + (lane % 8) + (lane / 16) * 8, kk * 16 + ((lane / 8) % 2) * 8));
        mma16816<T>(st[2 * jp], ka, b[0], b[1]);
        mma16816<T>(st[2 * jp + 1], ka, b[2], b[3]);
        ldmatrix_x4(b, sdo.at(jp * 16 + (lane % 8) + (lane / 16) * 8, kk * 16 + ((lane / 8) % 2) * 8));
        mma16816<T>(dpt[2 * jp], va, b[0], b[1]);
        mma16816<T>(dpt[2 * jp + 1], va, b[2], b[3]);
      }
    }

    // P^T = exp(S^T - lse), dS^T = P^T (dP^T - delta) (the softmax scale is applied at the end).
#pragma unroll
    for (int j = 0; j < QT; ++j) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int col = j * 8 + 2 * quad + (e & 1);
        const int h = e / 2;
        const float prob = key_ok[h] ? fast_exp2(st[j][e] * scale_log2 + key_bias[h] - s_lse[col]) : 0.0f;
        st[j][e] = prob;
        dpt[j][e] = prob * (dpt[j][e] - s_delta[col]);
      }
    }

    // dV += P^T dO, dK += dS^T Q; dS^T to shared memory for dQ.
#pragma unroll
    for (int kk = 0; kk < BQ / 16; ++kk) {
      const uint32_t pa[4] = {MmaType<T>::pack(st[2 * kk][0], st[2 * kk][1]), MmaType<T>::pack(st[2 * kk][2], st[2 * kk][3]),
                              MmaType<T>::pack(st[2 * kk + 1][0], st[2 * kk + 1][1]),
                              MmaType<T>::pack(st[2 * kk + 1][2], st[2 * kk + 1][3])};
      const uint32_t sa[4] = {MmaType<T>::pack(dpt[2 * kk][0], dpt[2 * kk][1]),
                              MmaType<T>::pack(dpt[2 * kk][2], dpt[2 * kk][3]),
                              MmaType<T>::pack(dpt[2 * kk + 1][0], dpt[2 * kk + 1][1]),
                              MmaType<T>::pack(dpt[2 * kk + 1][2], dpt[2 * kk + 1][3])};
#pragma unroll
      for (int np = 0; np < D / 16; ++np) {
        uint32_t b[4];
        ldmatrix_x4_trans(b, sdo.at(kk * 16 + (lane % 8) + ((lane / 8) % 2) * 8, np * 16 + (lane / 16) * 8));
        mma16816<T>(dv[2 * np], pa, b[0], b[1]);
        mma16816<T>(dv[2 * np + 1], pa, b[2], b[3]);
        ldmatrix_x4_trans(b, sq.at(kk * 16 + (lane % 8) + ((lane / 8) % 2) * 8, np * 16 + (lane / 16) * 8));
        mma16816<T>(dk[2 * np], sa, b[0], b[1]);
        mma16816<T>(dk[2 * np + 1], sa, b[2], b[3]);
      }
    }
#pragma unroll
    for (int j = 0; j < QT; ++j) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        MmaType<T>::store2(sds.at(key_local[h], j * 8 + 2 * quad), dpt[j][2 * h], dpt[j][2 * h + 1]);
      }
    }
    __syncthreads();

    // dQ += scale * dS K for this warp's 16 query rows and DQ_COLS columns.
    {
      const int row_group = warp % C::DQ_ROW_GROUPS;
      const int col_base = (warp / C::DQ_ROW_GROUPS) * C::DQ_COLS;
      const int64_t first = query_first(it);
      constexpr int CHUNK = C::DQ_COLS < 64 ? C::DQ_COLS : 64;
#pragma unroll
      for (int chunk = 0; chunk < C::DQ_COLS / CHUNK; ++chunk) {
        float acc[CHUNK / 8][4];
#pragma unroll
        for (int n = 0; n < CHUNK / 8; ++n) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.0f;
#pragma unroll
        for (int kk = 0; kk < BN / 16; ++kk) {
          uint32_t a[4];
          ldmatrix_x4_trans(a, sds.at(kk * 16 + (lane % 8) + (lane / 16) * 8, row_group * 16 + ((lane / 8) % 2) * 8));
#pragma unroll
          for (int np = 0; np < CHUNK / 16; ++np) {
            uint32_t b[4];
            const int col = col_base + chunk * CHUNK + np * 16;
            ldmatrix_x4_trans(b, sk.at(kk * 16 + (lane % 8) + ((lane / 8) % 2) * 8, col + (lane / 16) * 8));
            mma16816<T>(acc[2 * np], a, b[0], b[1]);
            mma16816<T>(acc[2 * np + 1], a, b[2], b[3]);
          }
        }
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int64_t r = first + row_group * 16 + lane / 4 + 8 * h;
          if (r < p.query_tokens) {
#pragma unroll
            for (int n = 0; n < CHUNK / 8; ++n) {
              float* dst = grad_q + r * D + col_base + chunk * CHUNK + n * 8 + 2 * quad;
#if __CUDA_ARCH__ >= 900
              atomicAdd(reinterpret_cast<float2*>(dst), make_float2(acc[n][2 * h] * p.scale, acc[n][2 * h + 1] * p.scale));
#else
              atomicAdd(dst, acc[n][2 * h] * p.scale);
              atomicAdd(dst + 1, acc[n][2 * h + 1] * p.scale);
#endif
            }
          }
        }
      }
    }
    __syncthreads();
  }
  cp_async_wait<0>();

  T* grad_k = static_cast<T*>(is_global ? p.grad_global_k : p.grad_k) + bh * key_stride * D;
  T* grad_v = static_cast<T*>(is_global ? p.grad_global_v : p.grad_v) + bh * key_stride * D;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    if (!key_ok[h]) continue;
    const int64_t r = key_first + key_local[h];
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      MmaType<T>::store2(grad_k + r * D + n * 8 + 2 * quad, dk[n][2 * h] * p.scale, dk[n][2 * h + 1] * p.scale);
      MmaType<T>::store2(grad_v + r * D + n * 8 + 2 * quad, dv[n][2 * h], dv[n][2 * h + 1]);
    }
  }
}

template <typename T, int D, int BS, int KEYS>
LaunchStatus launch_keys(const SparseBackwardParams& p, cudaStream_t stream) {
  using C = BackwardConfig<T, D, BS, KEYS>;
  const char* name = "sparse_backward_kernel";
  auto kernel = sparse_backward_kernel<T, D, BS, KEYS>;
  cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, C::SHARED_BYTES);
  if (error != cudaSuccess) return {error, name};
  const int global_tiles = p.global_k ? (p.global_tokens + C::BN - 1) / C::BN : 0;
  const int key_tiles = (p.key_tokens + C::BN - 1) / C::BN;
  const dim3 grid(static_cast<unsigned>(global_tiles + key_tiles), static_cast<unsigned>(p.bh));
  kernel<<<grid, C::THREADS, C::SHARED_BYTES, stream>>>(p);
  return {cudaGetLastError(), name};
}

// 64 keys per thread block by default: 128 (8 warps, half the dQ atomics) measured no faster on an
// H200 (Wan 480p shape: 18.45 vs 18.04 ms at sparsity 0.8), so the atomics are not the limit.
template <typename T, int D, int BS>
LaunchStatus launch(const SparseBackwardParams& p, cudaStream_t stream) {
  if constexpr (BS == 128) {
    if (p.key_tile == 128) return launch_keys<T, D, BS, 128>(p, stream);
  }
  return launch_keys<T, D, BS, 64>(p, stream);
}

template <typename T>
LaunchStatus launch_typed(const SparseBackwardParams& p, int dim, int block_size, cudaStream_t stream) {
  if (dim == 64 && block_size == 64) return launch<T, 64, 64>(p, stream);
  if (dim == 64 && block_size == 128) return launch<T, 64, 128>(p, stream);
  if (dim == 128 && block_size == 64) return launch<T, 128, 64>(p, stream);
  if (dim == 128 && block_size == 128) return launch<T, 128, 128>(p, stream);
  return {cudaErrorInvalidValue, "sparse_backward_kernel (unsupported head dim / block size)"};
}

// One thread per (bh, key block): the query blocks whose kept list holds it, ascending, found by
// binary search in each (ascending) row of the index.
__global__ void transpose_index_kernel(const TransposeIndexParams p) {
  const int64_t key_row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (key_row >= p.bh * p.key_blocks) return;
  const int64_t bh = key_row / p.key_blocks;
  const int64_t block = key_row % p.key_blocks;
  int32_t* out = p.key_row_queries + key_row * p.query_blocks;
  int count = 0;
  for (int qb = 0; qb < p.query_blocks; ++qb) {
    const int64_t row = bh * p.query_blocks + qb;
    int64_t lo = p.offsets[row], hi = p.offsets[row + 1];
    while (lo < hi) {
      const int64_t mid = (lo + hi) / 2;
      if (p.indices[mid] < block) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < p.offsets[row + 1] && p.indices[lo] == block) out[count++] = qb;
  }
  p.key_row_counts[key_row] = count;
}

}  // namespace

LaunchStatus launch_sparse_backward(const SparseBackwardParams& p, ElementType type, int dim, int block_size,
                                    cudaStream_t stream) {
  if (p.bh == 0) return {};
  return type == ElementType::BFloat16 ? launch_typed<__nv_bfloat16>(p, dim, block_size, stream)
                                       : launch_typed<__half>(p, dim, block_size, stream);
}

LaunchStatus launch_transpose_index(const TransposeIndexParams& p, cudaStream_t stream) {
  const int64_t rows = p.bh * p.key_blocks;
  if (rows == 0) return {};
  constexpr int threads = 128;
  transpose_index_kernel<<<static_cast<unsigned>((rows + threads - 1) / threads), threads, 0, stream>>>(p);
  return {cudaGetLastError(), "transpose_index_kernel"};
}

}  // namespace blade::kernels::detail
