// Block-sparse flash-attention forward for Hopper (sm_90a): warpgroup MMA (wgmma) with Q and K
// from shared memory for S = Q K^T, P from registers and V from shared memory for O += P V. Block
// size 128 only: one thread block per (bh, query block) with two warpgroups of 64 query rows, one
// key tile per kept key block (then the ASA-GT global tokens, 128 at a time, with their bias).
// Tiles arrive by cp.async in the 128-byte swizzled layout that wgmma reads (wgmma.cuh).

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
  static constexpr int STAGES = 3;
  static constexpr int TILE_BYTES = ATOMS * kAtomBytes;  // a [128][D] tile
  static constexpr int SHARED_BYTES = (1 + 2 * STAGES) * TILE_BYTES + 1024;  // Q, stages x (K, V), room to align
};

// This thread's share of copying rows [first, first + 128) of a row-major [*, D] matrix into a
// swizzled tile (D / 64 atoms), rows at or past `valid` zero-filled. A thread always copies the same
// 16-byte column of rows row0, row0 + ROWS_PER_PASS, ...; as ROWS_PER_PASS is a multiple of 8, the
// swizzled position differs between them only by whole 8-row groups.
template <int D, typename T>
struct TileCopy {
  static constexpr int CHUNKS_PER_ROW = D / 8;
  static constexpr int ROWS_PER_PASS = kThreads / CHUNKS_PER_ROW;
  static constexpr int PASSES = kRows / ROWS_PER_PASS;
  static_assert(ROWS_PER_PASS % 8 == 0, "the swizzle key must not change between passes");
  int row0, column_elements;
  uint32_t shared_offset;

  __device__ __forceinline__ explicit TileCopy(int thread) {
    const int chunk = thread % CHUNKS_PER_ROW;
    row0 = thread / CHUNKS_PER_ROW;
    column_elements = chunk * 8;
    shared_offset = (chunk / 8) * kAtomBytes + row0 * kLineBytes + (((chunk % 8) ^ (row0 & 7)) << 4);
  }

  __device__ __forceinline__ void copy(uint32_t tile_address, const T* matrix, int64_t first, int valid) const {
    const T* src = matrix + (first + row0) * D + column_elements;
    const uint32_t dst = tile_address + shared_offset;
    if (valid >= kRows) {
#pragma unroll
      for (int j = 0; j < PASSES; ++j) {
        cp_async16_shared(dst + j * ROWS_PER_PASS * kLineBytes, src + j * ROWS_PER_PASS * D, 16);
      }
    } else {
#pragma unroll
      for (int j = 0; j < PASSES; ++j) {
        const bool ok = row0 + j * ROWS_PER_PASS < valid;
        cp_async16_shared(dst + j * ROWS_PER_PASS * kLineBytes, ok ? src + j * ROWS_PER_PASS * D : matrix, ok ? 16 : 0);
      }
    }
  }
};

struct KeyTile {
  bool global;
  int64_t first;
  int valid;
};

// The kept key block of sparse tile t (-1 for the global tiles after them). The kernel reads it two
// tiles ahead of the tile's load, so no copy waits on the index.
__device__ __forceinline__ int64_t kept_block(const SparseForwardParams& p, int64_t first_entry, int sparse_tiles, int t) {
  return t < sparse_tiles ? p.indices[first_entry + t] : -1;
}

__device__ __forceinline__ KeyTile key_tile(const SparseForwardParams& p, int sparse_tiles, int t, int64_t block) {
  if (t < sparse_tiles) {
    const int64_t first = block * kKeys;
    return {false, first, static_cast<int>(min64(kKeys, p.key_tokens - first))};
  }
  const int64_t first = static_cast<int64_t>(t - sparse_tiles) * kKeys;
  return {true, first, static_cast<int>(min64(kKeys, p.global_tokens - first))};
}

// Returns the factor that takes this thread's scores to log2 units. A full tile of kept keys keeps
// its raw scores (the softmax scales them inside its exp2); a global tile (bias) or a tile past the
// sequence's end (masked keys) is converted here, and the factor is then 1.
__device__ __forceinline__ float prepare_scores(float (&s)[kKeys / 2], const SparseForwardParams& p,
                                                const KeyTile& tile, float scale_log2, int quad) {
  if (!tile.global && tile.valid >= kKeys) return scale_log2;
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
  return 1.0f;
}

// Online softmax over one tile: s becomes exp2(scale s - new max) in place (m in log2 units);
// alpha gets the factor that rescales what was accumulated before, per row half h.
__device__ __forceinline__ void online_softmax(float (&s)[kKeys / 2], float scale, float (&m)[2], float (&l)[2],
                                               float (&alpha)[2]) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float tile_max = -INFINITY;
#pragma unroll
    for (int g = 0; g < kKeys / 8; ++g) tile_max = fmaxf(tile_max, fmaxf(s[4 * g + 2 * h], s[4 * g + 2 * h + 1]));
    tile_max = quad_max(tile_max) * scale;  // scale > 0
    const float m_new = fmaxf(m[h], tile_max);
    const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // a row with nothing seen yet stays 0
    alpha[h] = fast_exp2(m[h] - m_use);
    float row_sum = 0.0f;
#pragma unroll
    for (int g = 0; g < kKeys / 8; ++g) {
      s[4 * g + 2 * h] = fast_exp2(fmaf(s[4 * g + 2 * h], scale, -m_use));
      s[4 * g + 2 * h + 1] = fast_exp2(fmaf(s[4 * g + 2 * h + 1], scale, -m_use));
      row_sum += s[4 * g + 2 * h] + s[4 * g + 2 * h + 1];
    }
    l[h] = l[h] * alpha[h] + row_sum;
    m[h] = m_new;
  }
}

// The accumulator layout of S is the register A layout of P (wgmma.cuh).
template <typename T>
__device__ __forceinline__ void pack_probabilities(const float (&s)[kKeys / 2], uint32_t (&a)[kKeys / 16][4]) {
#pragma unroll
  for (int kk = 0; kk < kKeys / 16; ++kk) {
#pragma unroll
    for (int i = 0; i < 4; ++i) a[kk][i] = MmaType<T>::pack(s[8 * kk + 2 * i], s[8 * kk + 2 * i + 1]);
  }
}

// S = Q K^T for this warpgroup's 64 rows and the tile's 128 keys (issued, not waited for).
template <typename T, int D>
__device__ __forceinline__ void issue_scores(float (&s)[kKeys / 2], uint32_t q_address, uint32_t k_address) {
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const uint32_t offset = (kk / 4) * kAtomBytes + (kk % 4) * 32;
    wgmma_ss<T, kKeys>(s, swizzled_descriptor(q_address + offset, 16, kGroupBytes),
                       swizzled_descriptor(k_address + offset, 16, kGroupBytes), kk > 0);
  }
}

// O += P V (issued, not waited for).
template <typename T, int D>
__device__ __forceinline__ void issue_values(float (&o)[D / 2], const uint32_t (&a)[kKeys / 16][4], uint32_t v_address) {
#pragma unroll
  for (int kk = 0; kk < kKeys / 16; ++kk) {
    wgmma_rs_transposed_b<T, D>(o, a[kk], swizzled_descriptor(v_address + kk * 16 * kLineBytes, kAtomBytes, kGroupBytes),
                                1);
  }
}

// Tiles pass through a ring of three shared-memory stages: while the tensor cores compute S for tile
// t and P V for tile t - 1, tile t + 1 is loading. The softmax of tile t runs while P V of t - 1 is
// still on the tensor cores.
template <typename T, int D>
__global__ void __launch_bounds__(kThreads, 1) sparse_forward_sm90_kernel(const SparseForwardParams p) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using C = Sm90Config<D>;
  extern __shared__ unsigned char shared_raw[];
  // The swizzle works on address bits, so every atom starts on a 1024-byte boundary.
  unsigned char* shared = shared_raw + ((1024 - (smem_address(shared_raw) & 1023)) & 1023);
  unsigned char* sq = shared;
  auto keys_of = [&](int stage) { return shared + (1 + 2 * stage) * C::TILE_BYTES; };
  auto values_of = [&](int stage) { return shared + (2 + 2 * stage) * C::TILE_BYTES; };

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
  const TileCopy<D, T> copier(tid);
  copier.copy(smem_address(sq), q, q_first, static_cast<int>(min64(kRows, p.query_tokens - q_first)));
  auto load_tile = [&](int t, int64_t block) {
    const KeyTile tile = key_tile(p, sparse_tiles, t, block);
    copier.copy(smem_address(keys_of(t % C::STAGES)), tile.global ? gk : k, tile.first, tile.valid);
    copier.copy(smem_address(values_of(t % C::STAGES)), tile.global ? gv : v, tile.first, tile.valid);
  };
  // Kept blocks of tile t (this_block) and t + 1 (next_block) in the loop below.
  int64_t this_block = kept_block(p, first_entry, sparse_tiles, 0);
  int64_t next_block = kept_block(p, first_entry, sparse_tiles, 1);
  if (total_tiles > 0) load_tile(0, this_block);
  cp_async_commit();
  if (total_tiles > 1) load_tile(1, next_block);
  cp_async_commit();

  // Accumulator rows of this thread: 16 warp + lane / 4 (+ 8) of the warpgroup's 64.
  float o[D / 2];
#pragma unroll
  for (int i = 0; i < D / 2; ++i) o[i] = 0.0f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f}, alpha[2];
  float s[kKeys / 2];
  uint32_t a[kKeys / 16][4];
  const float scale_log2 = p.scale * kLog2e;
  const int quad = lane % 4;
  const uint32_t q_address = smem_address(sq) + warpgroup * 64 * kLineBytes;
  auto k_address = [&](int t) { return smem_address(keys_of(t % C::STAGES)); };
  auto v_address = [&](int t) { return smem_address(values_of(t % C::STAGES)); };

  if (total_tiles > 0) {
    cp_async_wait<1>();  // Q and tile 0
    fence_shared_for_async_proxy();
    __syncthreads();
    wgmma_fence();
    issue_scores<T, D>(s, q_address, k_address(0));
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(s);
    const float scale = prepare_scores(s, p, key_tile(p, sparse_tiles, 0, this_block), scale_log2, quad);
    online_softmax(s, scale, m, l, alpha);
    pack_probabilities<T>(s, a);
  }
  this_block = next_block;
  next_block = kept_block(p, first_entry, sparse_tiles, 2);
  for (int t = 1; t < total_tiles; ++t) {
    cp_async_wait<0>();  // tile t, issued one iteration ago
    fence_shared_for_async_proxy();
    __syncthreads();     // tile t is visible, and everyone is done with the stage of tile t - 2
    if (t + 1 < total_tiles) load_tile(t + 1, next_block);
    cp_async_commit();
    const int64_t block_after_next = kept_block(p, first_entry, sparse_tiles, t + 2);

    wgmma_fence();
    issue_scores<T, D>(s, q_address, k_address(t));
    wgmma_commit();
    issue_values<T, D>(o, a, v_address(t - 1));
    wgmma_commit();
    wgmma_wait<1>();
    pin_registers(s);
    const float scale = prepare_scores(s, p, key_tile(p, sparse_tiles, t, this_block), scale_log2, quad);
    online_softmax(s, scale, m, l, alpha);
    wgmma_wait<0>();
    pin_registers(o);
    pin_registers(a);
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      o[4 * n] *= alpha[0];
      o[4 * n + 1] *= alpha[0];
      o[4 * n + 2] *= alpha[1];
      o[4 * n + 3] *= alpha[1];
    }
    pack_probabilities<T>(s, a);
    this_block = next_block;
    next_block = block_after_next;
  }
  if (total_tiles > 0) {
    wgmma_fence();
    issue_values<T, D>(o, a, v_address(total_tiles - 1));
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(o);
    pin_registers(a);
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
