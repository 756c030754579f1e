// Block-sparse flash-attention forward (FlashAttention-2 style online softmax on mma.sync tensor
// cores, cp.async double buffering). One thread block per (bh, query block); each warp owns 16
// (block size 64) or 32 (block size 128) query rows. The key tiles visited are the sub-tiles of the kept key blocks of the row,
// then (ASA-GT) the pooled global tokens with their logit bias, all in one softmax.

#include "asa_launch.h"
#include "tensor_core.cuh"

#include <cmath>

namespace blade::kernels::detail {
namespace {

using namespace blade::kernels::device;

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

template <typename T, int D, int BM, int KEY_TILE>
struct ForwardConfig {
  static constexpr int MR = BM == 128 ? 2 : 1;  // 16-row m-tiles per warp: two halve the shared-memory
                                               // reads per mma (each K / V fragment serves both)
  static constexpr int BN = KEY_TILE;          // keys per tile
  static constexpr int WARPS = BM / (16 * MR);
  static constexpr int THREADS = WARPS * 32;
  static constexpr int MIN_BLOCKS = MR == 2 ? 2 : 1;
  static constexpr int SUBTILES = BM / BN;
  static constexpr int SHARED_BYTES = (BM + 4 * BN) * D * static_cast<int>(sizeof(T));
};

// Where key tile t of a row comes from.
struct KeyTile {
  bool global;
  int64_t first;  // first token of the tile in its key sequence
  int valid;      // tokens of the tile that exist (<= 0: none)
};

template <int BM, int BN>
__device__ __forceinline__ KeyTile key_tile(const SparseForwardParams& p, int64_t first_entry, int sparse_tiles, int t) {
  constexpr int subtiles = BM / BN;
  if (t < sparse_tiles) {
    const int64_t block = p.indices[first_entry + t / subtiles];
    const int64_t first = block * BM + (t % subtiles) * BN;
    return {false, first, static_cast<int>(min64(BN, p.key_tokens - first))};
  }
  const int64_t first = static_cast<int64_t>(t - sparse_tiles) * BN;
  return {true, first, static_cast<int>(min64(BN, p.global_tokens - first))};
}

template <typename T, int D, int BM, int BN_>
__global__ void __launch_bounds__(ForwardConfig<T, D, BM, BN_>::THREADS, ForwardConfig<T, D, BM, BN_>::MIN_BLOCKS)
    sparse_forward_kernel(const SparseForwardParams p) {
  using C = ForwardConfig<T, D, BM, BN_>;
  constexpr int BN = C::BN, MR = C::MR;
  extern __shared__ __align__(128) unsigned char shared_raw[];
  T* shared = reinterpret_cast<T*>(shared_raw);
  const SwizzledTile<T, D> sq{shared};
  // Buffer b (0, 1) holds keys at key_tile(b) and values right after them.
  auto key_tile_of = [&](int buffer) { return SwizzledTile<T, D>{shared + (BM + 2 * buffer * BN) * D}; };
  auto value_tile_of = [&](int buffer) { return SwizzledTile<T, D>{shared + (BM + (2 * buffer + 1) * BN) * D}; };

  const int qb = blockIdx.x;
  const int64_t bh = blockIdx.y;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int64_t row = bh * p.query_blocks + qb;
  const int64_t first_entry = p.offsets[row];
  const int sparse_tiles = static_cast<int>(p.offsets[row + 1] - first_entry) * C::SUBTILES;
  const int global_tiles = p.global_k ? (p.global_tokens + BN - 1) / BN : 0;
  const int total_tiles = sparse_tiles + global_tiles;

  const T* q = static_cast<const T*>(p.q) + bh * p.query_tokens * D;
  const T* k = static_cast<const T*>(p.k) + bh * p.key_tokens * D;
  const T* v = static_cast<const T*>(p.v) + bh * p.key_tokens * D;
  const T* gk = p.global_k ? static_cast<const T*>(p.global_k) + bh * p.global_tokens * D : nullptr;
  const T* gv = p.global_v ? static_cast<const T*>(p.global_v) + bh * p.global_tokens * D : nullptr;

  const int64_t q_first = static_cast<int64_t>(qb) * BM;
  const int q_valid = static_cast<int>(min64(BM, p.query_tokens - q_first));
  load_tile_async<BM, D, C::THREADS>(sq, q, q_first, q_valid, tid);

  auto load_keys = [&](int t, int buffer) {
    const KeyTile tile = key_tile<BM, BN>(p, first_entry, sparse_tiles, t);
    load_tile_async<BN, D, C::THREADS>(key_tile_of(buffer), tile.global ? gk : k, tile.first, tile.valid, tid);
    load_tile_async<BN, D, C::THREADS>(value_tile_of(buffer), tile.global ? gv : v, tile.first, tile.valid, tid);
  };
  if (total_tiles > 0) load_keys(0, 0);
  cp_async_commit();

  // Per m-tile mi: rows warp * 16 * MR + 16 mi + g (h = 0) and + 8 (h = 1).
  float o[MR][D / 8][4];
#pragma unroll
  for (int mi = 0; mi < MR; ++mi) {
#pragma unroll
    for (int n = 0; n < D / 8; ++n) o[mi][n][0] = o[mi][n][1] = o[mi][n][2] = o[mi][n][3] = 0.0f;
  }
  float m[MR][2], l[MR][2];
#pragma unroll
  for (int mi = 0; mi < MR; ++mi) m[mi][0] = m[mi][1] = -INFINITY, l[mi][0] = l[mi][1] = 0.0f;
  const float scale_log2 = p.scale * kLog2e;
  const int quad = lane % 4;
  const int warp_row = warp * 16 * MR;

  for (int t = 0; t < total_tiles; ++t) {
    const int buffer = t & 1;
    if (t + 1 < total_tiles) {
      load_keys(t + 1, buffer ^ 1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const SwizzledTile<T, D> sk = key_tile_of(buffer), sv = value_tile_of(buffer);

    // S = Q K^T for this warp's rows and the tile's 64 keys.
    float s[MR][BN / 8][4];
#pragma unroll
    for (int mi = 0; mi < MR; ++mi) {
#pragma unroll
      for (int j = 0; j < BN / 8; ++j) s[mi][j][0] = s[mi][j][1] = s[mi][j][2] = s[mi][j][3] = 0.0f;
    }
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t a[MR][4];
#pragma unroll
      for (int mi = 0; mi < MR; ++mi) {
        ldmatrix_x4(a[mi], sq.at(warp_row + mi * 16 + (lane % 8) + ((lane / 8) % 2) * 8, kk * 16 + (lane / 16) * 8));
      }
#pragma unroll
      for (int jp = 0; jp < BN / 16; ++jp) {
        uint32_t b[4];
        ldmatrix_x4(b, sk.at(jp * 16 + (lane % 8) + (lane / 16) * 8, kk * 16 + ((lane / 8) % 2) * 8));
#pragma unroll
        for (int mi = 0; mi < MR; ++mi) {
          mma16816<T>(s[mi][2 * jp], a[mi], b[0], b[1]);
          mma16816<T>(s[mi][2 * jp + 1], a[mi], b[2], b[3]);
        }
      }
    }

    const KeyTile tile = key_tile<BM, BN>(p, first_entry, sparse_tiles, t);
#pragma unroll
    for (int j = 0; j < BN / 8; ++j) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int col = j * 8 + 2 * quad + e;
        float bias = 0.0f;
        bool masked = col >= tile.valid;
        if (!masked && tile.global) bias = p.global_bias[tile.first + col] * kLog2e;
#pragma unroll
        for (int mi = 0; mi < MR; ++mi) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const float x = s[mi][j][2 * h + e] * scale_log2 + bias;
            s[mi][j][2 * h + e] = masked ? -INFINITY : x;
          }
        }
      }
    }

#pragma unroll
    for (int mi = 0; mi < MR; ++mi) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        float tile_max = -INFINITY;
#pragma unroll
        for (int j = 0; j < BN / 8; ++j) tile_max = fmaxf(tile_max, fmaxf(s[mi][j][2 * h], s[mi][j][2 * h + 1]));
        tile_max = quad_max(tile_max);
        const float m_new = fmaxf(m[mi][h], tile_max);
        const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // a row with nothing seen yet stays 0
        const float alpha = fast_exp2(m[mi][h] - m_use);
        float row_sum = 0.0f;
#pragma unroll
        for (int j = 0; j < BN / 8; ++j) {
          s[mi][j][2 * h] = fast_exp2(s[mi][j][2 * h] - m_use);
          s[mi][j][2 * h + 1] = fast_exp2(s[mi][j][2 * h + 1] - m_use);
          row_sum += s[mi][j][2 * h] + s[mi][j][2 * h + 1];
        }
        l[mi][h] = l[mi][h] * alpha + row_sum;
        m[mi][h] = m_new;
#pragma unroll
        for (int n = 0; n < D / 8; ++n) {
          o[mi][n][2 * h] *= alpha;
          o[mi][n][2 * h + 1] *= alpha;
        }
      }
    }

    // O += P V; the accumulator layout of S is the A-operand layout of P.
#pragma unroll
    for (int kk = 0; kk < BN / 16; ++kk) {
      uint32_t a[MR][4];
#pragma unroll
      for (int mi = 0; mi < MR; ++mi) {
        a[mi][0] = MmaType<T>::pack(s[mi][2 * kk][0], s[mi][2 * kk][1]);
        a[mi][1] = MmaType<T>::pack(s[mi][2 * kk][2], s[mi][2 * kk][3]);
        a[mi][2] = MmaType<T>::pack(s[mi][2 * kk + 1][0], s[mi][2 * kk + 1][1]);
        a[mi][3] = MmaType<T>::pack(s[mi][2 * kk + 1][2], s[mi][2 * kk + 1][3]);
      }
#pragma unroll
      for (int np = 0; np < D / 16; ++np) {
        uint32_t b[4];
        ldmatrix_x4_trans(b, sv.at(kk * 16 + (lane % 8) + ((lane / 8) % 2) * 8, np * 16 + (lane / 16) * 8));
#pragma unroll
        for (int mi = 0; mi < MR; ++mi) {
          mma16816<T>(o[mi][2 * np], a[mi], b[0], b[1]);
          mma16816<T>(o[mi][2 * np + 1], a[mi], b[2], b[3]);
        }
      }
    }
    __syncthreads();
  }
  cp_async_wait<0>();

  T* out = static_cast<T*>(p.out) + bh * p.query_tokens * D;
  float* lse = p.lse + bh * p.query_tokens;
#pragma unroll
  for (int mi = 0; mi < MR; ++mi) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const float total = quad_sum(l[mi][h]);
      const float inverse = total > 0.0f ? 1.0f / total : 0.0f;  // a row that attends nothing: 0, LSE -inf
      const int64_t r = q_first + warp_row + mi * 16 + lane / 4 + 8 * h;
      if (r < p.query_tokens) {
#pragma unroll
        for (int n = 0; n < D / 8; ++n) {
          MmaType<T>::store2(out + r * D + n * 8 + 2 * quad, o[mi][n][2 * h] * inverse, o[mi][n][2 * h + 1] * inverse);
        }
        if (quad == 0) lse[r] = total > 0.0f ? (m[mi][h] + log2f(total)) * kLn2 : -INFINITY;
      }
    }
  }
}

template <typename T, int D, int BM, int BN>
LaunchStatus launch(const SparseForwardParams& p, cudaStream_t stream) {
  using C = ForwardConfig<T, D, BM, BN>;
  const char* name = "sparse_forward_kernel";
  auto kernel = sparse_forward_kernel<T, D, BM, BN>;
  cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, C::SHARED_BYTES);
  if (error != cudaSuccess) return {error, name};
  const dim3 grid(static_cast<unsigned>(p.query_blocks), static_cast<unsigned>(p.bh));
  kernel<<<grid, C::THREADS, C::SHARED_BYTES, stream>>>(p);
  return {cudaGetLastError(), name};
}

template <typename T, int D, int BM>
LaunchStatus launch_tiled(const SparseForwardParams& p, cudaStream_t stream) {
  // Keys per tile: 64 by default. 32 keeps the two-m-tile warps of head dim 128 free of register
  // spills, yet ran 8-12% slower on an H200 (Wan 480p shape, sparsity 0.8 / 0.9).
  const int key_tile = p.key_tile > 0 ? p.key_tile : 64;
  return key_tile == 32 ? launch<T, D, BM, 32>(p, stream) : launch<T, D, BM, 64>(p, stream);
}

template <typename T>
LaunchStatus launch_typed(const SparseForwardParams& p, int dim, int block_size, cudaStream_t stream) {
  if (dim == 64 && block_size == 64) return launch_tiled<T, 64, 64>(p, stream);
  if (dim == 64 && block_size == 128) return launch_tiled<T, 64, 128>(p, stream);
  if (dim == 128 && block_size == 64) return launch_tiled<T, 128, 64>(p, stream);
  if (dim == 128 && block_size == 128) return launch_tiled<T, 128, 128>(p, stream);
  return {cudaErrorInvalidValue, "sparse_forward_kernel (unsupported head dim / block size)"};
}

}  // namespace

LaunchStatus launch_sparse_forward(const SparseForwardParams& p, ElementType type, int dim, int block_size,
                                   cudaStream_t stream) {
  if (p.query_blocks == 0 || p.bh == 0) return {};
  if (p.bh > 65535) {
    return {cudaErrorInvalidConfiguration, "sparse forward (batch x heads above 65,535, the grid's y limit)"};
  }
  if (p.kernel != ForwardKernel::MmaSync) {
    const bool hopper_gpu = sm90_forward_applies(dim, block_size);
    if (hopper_gpu && sm90_forward_takes(p)) return launch_sparse_forward_sm90(p, type, dim, stream);
    if (p.kernel == ForwardKernel::Hopper || p.kernel == ForwardKernel::HopperTakingTurns || !p.packed()) {
      return {cudaErrorInvalidValue, hopper_gpu ? "sparse_forward_sm90_kernel (inputs or strides not 16-byte aligned, or no "
                                                  "tokens)"
                                                : "sparse_forward_sm90_kernel (needs a build with sm_90a code, an "
                                                  "sm_90 GPU, block size 128 and head dim 64 or 128)"};
    }
  }
  if (!p.packed()) {
    return {cudaErrorInvalidValue, "sparse_forward_kernel (the mma.sync kernel reads packed [bh, tokens, dim] "
                                   "operands only)"};
  }
  return type == ElementType::BFloat16 ? launch_typed<__nv_bfloat16>(p, dim, block_size, stream)
                                       : launch_typed<__half>(p, dim, block_size, stream);
}

}  // namespace blade::kernels::detail
