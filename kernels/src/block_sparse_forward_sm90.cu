// Block-sparse flash-attention forward for Hopper (sm_90a): warpgroup MMA (wgmma) with Q and K
// from shared memory for S = Q K^T, P from registers and V from shared memory for O += P V. Block
// size 128 only: one thread block per (bh, query block) with two warpgroups of 64 query rows, one
// key tile per kept key block (then the ASA-GT global tokens, 128 at a time, with their bias).
// Tiles arrive by cp.async in the 128-byte swizzled layout that wgmma reads (wgmma.cuh), double
// buffered.

#include "asa_launch.h"
#include "tensor_core.cuh"
#include "wgmma.cuh"

#include <cmath>

namespace blade::kernels::detail {
namespace {

using namespace blade::kernels::device;

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;
constexpr int kRows = 128;                  // query rows per thread block = the block size
constexpr int kKeys = 128;                  // keys per tile = one kept block
constexpr int kThreads = 256;               // two warpgroups
constexpr int kAtomBytes = kRows * 128;     // one [128][64] swizzled atom of 16-bit elements
constexpr int kLineBytes = 128;
constexpr int kGroupBytes = 8 * kLineBytes;  // 8 swizzled rows: the stride byte offset

template <int D>
struct Sm90Config {
  static constexpr int ATOMS = D / 64;
  static constexpr int TILE_BYTES = ATOMS * kAtomBytes;       // a [128][D] tile
  static constexpr int SHARED_BYTES = 5 * TILE_BYTES + 1024;  // Q, 2 x (K, V), room to align to 1024
};

// Copies rows [first, first + 128) of a row-major [*, D] matrix into a swizzled tile (D / 64
// atoms); rows at or past `valid` are zero-filled.
template <int D, typename T>
__device__ __forceinline__ void load_swizzled_tile(unsigned char* tile, const T* matrix, int64_t first, int valid,
                                                   int thread) {
  constexpr int chunks_per_row = D / 8;
#pragma unroll
  for (int i = thread; i < kRows * chunks_per_row; i += kThreads) {
    const int row = i / chunks_per_row, chunk = i % chunks_per_row;
    const int atom = chunk / 8, column = chunk % 8;
    const bool ok = row < valid;
    const T* src = matrix + (ok ? (first + row) * D + chunk * 8 : 0);
    cp_async16(tile + atom * kAtomBytes + row * kLineBytes + ((column ^ (row & 7)) << 4), src, ok);
  }
}

struct KeyTile {
  bool global;
  int64_t first;
  int valid;
};

__device__ __forceinline__ KeyTile key_tile(const SparseForwardParams& p, int64_t first_entry, int sparse_tiles,
                                            int t) {
  if (t < sparse_tiles) {
    const int64_t first = p.indices[first_entry + t] * kKeys;
    return {false, first, static_cast<int>(min64(kKeys, p.key_tokens - first))};
  }
  const int64_t first = static_cast<int64_t>(t - sparse_tiles) * kKeys;
  return {true, first, static_cast<int>(min64(kKeys, p.global_tokens - first))};
}

template <typename T, int D>
__global__ void __launch_bounds__(kThreads, 1) sparse_forward_sm90_kernel(const SparseForwardParams p) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using C = Sm90Config<D>;
  extern __shared__ unsigned char shared_raw[];
  // The swizzle works on address bits, so every atom starts on a 1024-byte boundary.
  unsigned char* shared = shared_raw + ((1024 - (smem_address(shared_raw) & 1023)) & 1023);
  unsigned char* sq = shared;
  auto keys_of = [&](int buffer) { return shared + (1 + 2 * buffer) * C::TILE_BYTES; };
  auto values_of = [&](int buffer) { return shared + (2 + 2 * buffer) * C::TILE_BYTES; };

  const int qb = blockIdx.x;
  const int64_t bh = blockIdx.y;
  const int tid = threadIdx.x, warpgroup = tid / 128, warp = (tid % 128) / 32, lane = tid % 32;
  const int64_t row = bh * p.query_blocks + qb;
  const int64_t first_entry = p.offsets[row];
  const int sparse_tiles = static_cast<int>(p.offsets[row + 1] - first_entry);
  const int global_tiles = p.global_k ? (p.global_tokens + kKeys - 1) / kKeys : 0;
  const int total_tiles = sparse_tiles + global_tiles;

  const T* q = static_cast<const T*>(p.q) + bh * p.query_tokens * D;
  const T* k = static_cast<const T*>(p.k) + bh * p.key_tokens * D;
  const T* v = static_cast<const T*>(p.v) + bh * p.key_tokens * D;
  const T* gk = p.global_k ? static_cast<const T*>(p.global_k) + bh * p.global_tokens * D : nullptr;
  const T* gv = p.global_v ? static_cast<const T*>(p.global_v) + bh * p.global_tokens * D : nullptr;

  const int64_t q_first = static_cast<int64_t>(qb) * kRows;
  load_swizzled_tile<D>(sq, q, q_first, static_cast<int>(min64(kRows, p.query_tokens - q_first)), tid);
  auto load_keys = [&](int t, int buffer) {
    const KeyTile tile = key_tile(p, first_entry, sparse_tiles, t);
    load_swizzled_tile<D>(keys_of(buffer), tile.global ? gk : k, tile.first, tile.valid, tid);
    load_swizzled_tile<D>(values_of(buffer), tile.global ? gv : v, tile.first, tile.valid, tid);
  };
  if (total_tiles > 0) load_keys(0, 0);
  cp_async_commit();

  // Accumulator rows of this thread: 16 warp + lane / 4 (+ 8) of the warpgroup's 64.
  float o[D / 2];
#pragma unroll
  for (int i = 0; i < D / 2; ++i) o[i] = 0.0f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
  const float scale_log2 = p.scale * kLog2e;
  const int quad = lane % 4;
  const uint32_t q_address = smem_address(sq) + warpgroup * 64 * kLineBytes;

  for (int t = 0; t < total_tiles; ++t) {
    const int buffer = t & 1;
    if (t + 1 < total_tiles) {
      load_keys(t + 1, buffer ^ 1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    fence_shared_for_async_proxy();
    __syncthreads();
    const uint32_t k_address = smem_address(keys_of(buffer)), v_address = smem_address(values_of(buffer));

    float s[kKeys / 2];
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      const uint32_t offset = (kk / 4) * kAtomBytes + (kk % 4) * 32;
      wgmma_ss<T, kKeys>(s, swizzled_descriptor(q_address + offset, 16, kGroupBytes),
                         swizzled_descriptor(k_address + offset, 16, kGroupBytes), kk > 0);
    }
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(s);

    const KeyTile tile = key_tile(p, first_entry, sparse_tiles, t);
#pragma unroll
    for (int g = 0; g < kKeys / 8; ++g) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int col = g * 8 + 2 * quad + e;
        const bool masked = col >= tile.valid;
        const float bias = (!masked && tile.global) ? p.global_bias[tile.first + col] * kLog2e : 0.0f;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          float& x = s[4 * g + 2 * h + e];
          x = masked ? -INFINITY : x * scale_log2 + bias;
        }
      }
    }

#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float tile_max = -INFINITY;
#pragma unroll
      for (int g = 0; g < kKeys / 8; ++g) tile_max = fmaxf(tile_max, fmaxf(s[4 * g + 2 * h], s[4 * g + 2 * h + 1]));
      tile_max = quad_max(tile_max);
      const float m_new = fmaxf(m[h], tile_max);
      const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // a row with nothing seen yet stays 0
      const float alpha = fast_exp2(m[h] - m_use);
      float row_sum = 0.0f;
#pragma unroll
      for (int g = 0; g < kKeys / 8; ++g) {
        s[4 * g + 2 * h] = fast_exp2(s[4 * g + 2 * h] - m_use);
        s[4 * g + 2 * h + 1] = fast_exp2(s[4 * g + 2 * h + 1] - m_use);
        row_sum += s[4 * g + 2 * h] + s[4 * g + 2 * h + 1];
      }
      l[h] = l[h] * alpha + row_sum;
      m[h] = m_new;
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        o[4 * n + 2 * h] *= alpha;
        o[4 * n + 2 * h + 1] *= alpha;
      }
    }

    // O += P V: the accumulator layout of S is the register A layout of P.
    uint32_t a[kKeys / 16][4];
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk) {
      a[kk][0] = MmaType<T>::pack(s[8 * kk + 0], s[8 * kk + 1]);
      a[kk][1] = MmaType<T>::pack(s[8 * kk + 2], s[8 * kk + 3]);
      a[kk][2] = MmaType<T>::pack(s[8 * kk + 4], s[8 * kk + 5]);
      a[kk][3] = MmaType<T>::pack(s[8 * kk + 6], s[8 * kk + 7]);
    }
    pin_registers(o);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk) {
      wgmma_rs_transposed_b<T, D>(o, a[kk], swizzled_descriptor(v_address + kk * 16 * kLineBytes, kAtomBytes, kGroupBytes),
                                  1);
    }
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(o);
    __syncthreads();  // both warpgroups are done with this buffer before it is refilled
  }
  cp_async_wait<0>();

  T* out = static_cast<T*>(p.out) + bh * p.query_tokens * D;
  float* lse = p.lse + bh * p.query_tokens;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const float total = quad_sum(l[h]);
    const float inverse = total > 0.0f ? 1.0f / total : 0.0f;  // a row that attends nothing: 0, LSE -inf
    const int64_t r = q_first + warpgroup * 64 + warp * 16 + lane / 4 + 8 * h;
    if (r < p.query_tokens) {
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        MmaType<T>::store2(out + r * D + n * 8 + 2 * quad, o[4 * n + 2 * h] * inverse, o[4 * n + 2 * h + 1] * inverse);
      }
      if (quad == 0) lse[r] = total > 0.0f ? (m[h] + log2f(total)) * kLn2 : -INFINITY;
    }
  }
#else
  __trap();  // built without sm_90a code; the launcher checks the device before choosing this kernel
#endif
}

template <typename T, int D>
LaunchStatus launch(const SparseForwardParams& p, cudaStream_t stream) {
  const char* name = "sparse_forward_sm90_kernel";
  auto kernel = sparse_forward_sm90_kernel<T, D>;
  const int shared_bytes = Sm90Config<D>::SHARED_BYTES;
  cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared_bytes);
  if (error != cudaSuccess) return {error, name};
  const dim3 grid(static_cast<unsigned>(p.query_blocks), static_cast<unsigned>(p.bh));
  kernel<<<grid, kThreads, shared_bytes, stream>>>(p);
  return {cudaGetLastError(), name};
}

}  // namespace

bool sm90_forward_applies(int dim, int block_size) {
  if (block_size != kRows || (dim != 64 && dim != 128)) return false;
  int device = 0, major = 0, minor = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return false;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) != cudaSuccess) {
    return false;
  }
  return major == 9 && minor == 0;
}

LaunchStatus launch_sparse_forward_sm90(const SparseForwardParams& p, ElementType type, int dim, cudaStream_t stream) {
  if (type == ElementType::BFloat16) {
    return dim == 64 ? launch<__nv_bfloat16, 64>(p, stream) : launch<__nv_bfloat16, 128>(p, stream);
  }
  return dim == 64 ? launch<__half, 64>(p, stream) : launch<__half, 128>(p, stream);
}

}  // namespace blade::kernels::detail
