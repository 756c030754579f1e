// Block-sparse flash-attention forward for Hopper (sm_90a), warp-specialised as FlashAttention-3:
// a producer thread streams the tiles with the tensor memory accelerator (TMA) into a ring of shared-
// memory stages, and two consumer warpgroups of 64 query rows each compute S = Q K^T with wgmma
// (Q and K from shared memory) and O += P V (P from registers, V from shared memory). Block size
// 128 only: one thread block per (bh, query block), one key tile per kept key block, then the
// ASA-GT global tokens, 128 at a time, with their bias. Stages are handed over with mbarriers, so
// the two consumer warpgroups never wait for each other - unless they take turns (kTakeTurns, as
// FlashAttention-3's ping-pong): then each issues its matrix products only after the other has issued
// its own, so the tensor cores run one warpgroup's products while the other computes its softmax.

#include "asa_launch.h"
#include "tensor_core.cuh"
#include "tma.cuh"
#include "wgmma.cuh"

#include <cuda.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>

namespace blade::kernels::detail {
namespace {

using namespace blade::kernels::device;

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;
constexpr int kRows = 128;                   // query rows per thread block = the block size
constexpr int kKeys = 128;                   // keys per tile = one kept block
constexpr int kThreads = 384;                // producer warpgroup + two consumer warpgroups
constexpr int kConsumerThreads = 256;
// setmaxnreg moves registers between the warpgroups within what the block got at launch: 384 threads
// x 168 (the cap __launch_bounds__(384, 1) gives). Asking for more than that makes
// setmaxnreg.inc wait forever.
constexpr int kRegistersAtLaunch = 168;
constexpr int kProducerRegisters = 24;
constexpr int kConsumerRegisters = 240;
static_assert(128 * kProducerRegisters + kConsumerThreads * kConsumerRegisters <= kThreads * kRegistersAtLaunch,
              "the warpgroups' registers must fit what the block has at launch");
constexpr int kAtomColumns = 64;             // 16-bit elements per 128-byte swizzled line
constexpr int kAtomBytes = kRows * 128;      // one [128][64] swizzled atom (a TMA box)
constexpr int kLineBytes = 128;
constexpr int kGroupBytes = 8 * kLineBytes;  // 8 swizzled rows: the stride byte offset

template <int D>
struct Sm90Config {
  static constexpr int ATOMS = D / kAtomColumns;
  static constexpr int STAGES = 3;
  static constexpr int TILE_BYTES = ATOMS * kAtomBytes;  // a [128][D] tile
  static constexpr int BARRIER_BYTES = 8 * (1 + 2 * STAGES);
  // Q, stages x (K, V), the barriers, room to align the tiles to 1024 bytes.
  static constexpr int SHARED_BYTES = (1 + 2 * STAGES) * TILE_BYTES + BARRIER_BYTES + 1024;
};

// Tensor maps of q, k, v and the global keys / values, each seen as [bh][tokens][D] with boxes of
// [1][128][64]: rows past a head's tokens arrive as zeros.
struct ForwardMaps {
  CUtensorMap q, k, v, global_k, global_v;
};

struct KeyTile {
  bool global;
  int64_t first;
  int valid;
};

// The kept key block of sparse tile t (-1 for the global tiles after them).
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

// A global token's logit bias in log2 units. With pooled tokens it comes from the launch
// parameters: a load per score sits on the softmax's path, which the tensor cores wait for.
__device__ __forceinline__ float global_bias_log2(const SparseForwardParams& p, int64_t token) {
  if (p.global_full_tokens < 0) return p.global_bias[token] * kLog2e;
  return (token < p.global_full_tokens ? p.global_bias_full : p.global_bias_tail) * kLog2e;
}

// How the softmax takes this tile's scores to log2 units: score * scale + offset. Kept keys, and
// pooled tokens sharing one bias, keep their raw scores (keys past the sequence's end set to -inf)
// and the softmax applies scale and offset in its exp2; pooled tokens with a bias of their own are
// converted here, element by element, and then have scale 1 and offset 0.
struct Log2Units {
  float scale, offset;
};

__device__ __forceinline__ Log2Units scores_to_log2(float (&s)[kKeys / 2], const SparseForwardParams& p,
                                                    const KeyTile& tile, float scale_log2, int quad) {
  const bool shared_bias = !tile.global || (p.global_full_tokens >= 0 && tile.first + tile.valid <= p.global_full_tokens);
  if (shared_bias) {
    if (tile.valid < kKeys) {
#pragma unroll
      for (int g = 0; g < kKeys / 8; ++g) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          if (g * 8 + 2 * quad + e < tile.valid) continue;
          s[4 * g + e] = -INFINITY;
          s[4 * g + 2 + e] = -INFINITY;
        }
      }
    }
    return {scale_log2, tile.global ? p.global_bias_full * kLog2e : 0.0f};
  }
#pragma unroll
  for (int g = 0; g < kKeys / 8; ++g) {
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int col = g * 8 + 2 * quad + e;
      const bool masked = col >= tile.valid;
      const float bias = masked ? 0.0f : global_bias_log2(p, tile.first + col);
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        float& x = s[4 * g + 2 * h + e];
        x = masked ? -INFINITY : x * scale_log2 + bias;
      }
    }
  }
  return {1.0f, 0.0f};
}

// Online softmax over one tile: s becomes exp2(scale s + offset - new max) in place (m in log2
// units); alpha gets the factor that rescales what was accumulated before, per row half h.
__device__ __forceinline__ void online_softmax(float (&s)[kKeys / 2], Log2Units units, float (&m)[2], float (&l)[2],
                                               float (&alpha)[2]) {
  const float scale = units.scale;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float tile_max = -INFINITY;
#pragma unroll
    for (int g = 0; g < kKeys / 8; ++g) tile_max = fmaxf(tile_max, fmaxf(s[4 * g + 2 * h], s[4 * g + 2 * h + 1]));
    tile_max = quad_max(tile_max) * scale + units.offset;  // scale > 0, offset finite: -inf stays -inf
    const float m_new = fmaxf(m[h], tile_max);
    const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // a row with nothing seen yet stays 0
    alpha[h] = fast_exp2(m[h] - m_use);
    const float shift = units.offset - m_use;
    float row_sum = 0.0f;
#pragma unroll
    for (int g = 0; g < kKeys / 8; ++g) {
      s[4 * g + 2 * h] = fast_exp2(fmaf(s[4 * g + 2 * h], scale, shift));
      s[4 * g + 2 * h + 1] = fast_exp2(fmaf(s[4 * g + 2 * h + 1], scale, shift));
      row_sum += s[4 * g + 2 * h] + s[4 * g + 2 * h + 1];
    }
    l[h] = l[h] * alpha[h] + row_sum;
    m[h] = m_new;
  }
}

// Named barriers 1 and 2 (0 is __syncthreads): consumer c waits on barrier 1 + c before issuing its
// products and then opens the other's. 256 threads each: the waiting warpgroup and the arriving one.
// Immediate barrier ids, so that ptxas reserves only these two.
template <int kBarrier>
__device__ __forceinline__ void barrier_sync() {
  asm volatile("bar.sync %0, %1;" ::"n"(kBarrier), "n"(kConsumerThreads) : "memory");
}

template <int kBarrier>
__device__ __forceinline__ void barrier_arrive() {
  asm volatile("bar.arrive %0, %1;" ::"n"(kBarrier), "n"(kConsumerThreads) : "memory");
}

__device__ __forceinline__ void wait_for_turn(int consumer) {
  if (consumer == 0) {
    barrier_sync<1>();
  } else {
    barrier_sync<2>();
  }
}

__device__ __forceinline__ void hand_over_turn(int consumer) {
  if (consumer == 0) {
    barrier_arrive<2>();
  } else {
    barrier_arrive<1>();
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

template <typename T, int D, bool kTakeTurns>
__global__ void __launch_bounds__(kThreads, 1)
    sparse_forward_sm90_kernel(const SparseForwardParams p, const __grid_constant__ ForwardMaps maps) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using C = Sm90Config<D>;
  extern __shared__ unsigned char shared_raw[];
  // The swizzle works on address bits, so every atom starts on a 1024-byte boundary.
  const uint32_t base = smem_address(shared_raw) + ((1024 - (smem_address(shared_raw) & 1023)) & 1023);
  const uint32_t q_tile = base;
  auto keys_of = [&](int stage) { return base + (1 + 2 * stage) * C::TILE_BYTES; };
  auto values_of = [&](int stage) { return base + (2 + 2 * stage) * C::TILE_BYTES; };
  const uint32_t barriers = base + (1 + 2 * C::STAGES) * C::TILE_BYTES;
  const uint32_t q_full = barriers;
  auto full = [&](int stage) { return barriers + 8 * (1 + stage); };                // tile landed
  auto empty = [&](int stage) { return barriers + 8 * (1 + C::STAGES + stage); };  // tile consumed

  const int qb = blockIdx.x;
  const int bh = blockIdx.y;
  const int tid = threadIdx.x, warpgroup = tid / 128;
  const int64_t row = static_cast<int64_t>(bh) * p.query_blocks + qb;
  const int64_t first_entry = p.offsets[row];
  const int sparse_tiles = static_cast<int>(p.offsets[row + 1] - first_entry);
  const int global_tiles = p.global_k ? (p.global_tokens + kKeys - 1) / kKeys : 0;
  const int total_tiles = sparse_tiles + global_tiles;

  if (tid == 0) {
    mbarrier_init(q_full, 1);
    for (int stage = 0; stage < C::STAGES; ++stage) {
      mbarrier_init(full(stage), 1);
      mbarrier_init(empty(stage), kConsumerThreads);
    }
    fence_barrier_init();
  }
  __syncthreads();

  if (warpgroup == 0) {
    release_registers<kProducerRegisters>();
    if (tid != 0) return;
    // The producer: Q, then every tile once its stage has been consumed. It may return with copies
    // in flight because the consumers wait for every one of them (q_full even for a row without
    // tiles) before the block ends.
    mbarrier_arrive_expect_bytes(q_full, C::TILE_BYTES);
    for (int atom = 0; atom < C::ATOMS; ++atom) {
      tma_load_3d(q_tile + atom * kAtomBytes, &maps.q, atom * kAtomColumns, qb * kRows, bh, q_full);
    }
    for (int t = 0; t < total_tiles; ++t) {
      const int stage = t % C::STAGES;
      if (t >= C::STAGES) mbarrier_wait(empty(stage), ((t / C::STAGES) - 1) & 1);
      const KeyTile tile = key_tile(p, sparse_tiles, t, kept_block(p, first_entry, sparse_tiles, t));
      const CUtensorMap* key_map = tile.global ? &maps.global_k : &maps.k;
      const CUtensorMap* value_map = tile.global ? &maps.global_v : &maps.v;
      mbarrier_arrive_expect_bytes(full(stage), 2 * C::TILE_BYTES);
      for (int atom = 0; atom < C::ATOMS; ++atom) {
        const int row0 = static_cast<int>(tile.first);
        tma_load_3d(keys_of(stage) + atom * kAtomBytes, key_map, atom * kAtomColumns, row0, bh, full(stage));
        tma_load_3d(values_of(stage) + atom * kAtomBytes, value_map, atom * kAtomColumns, row0, bh, full(stage));
      }
    }
    return;
  }

  claim_registers<kConsumerRegisters>();
  const int consumer = warpgroup - 1, warp = (tid % 128) / 32, lane = tid % 32;
  // Accumulator rows of this thread: 16 warp + lane / 4 (+ 8) of the warpgroup's 64.
  float o[D / 2];
#pragma unroll
  for (int i = 0; i < D / 2; ++i) o[i] = 0.0f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f}, alpha[2];
  float s[kKeys / 2];
  uint32_t a[kKeys / 16][4];
  const float scale_log2 = p.scale * kLog2e;
  const int quad = lane % 4;
  const uint32_t q_address = q_tile + consumer * 64 * kLineBytes;
  mbarrier_wait(q_full, 0);

  // Taking turns, consumer 0 goes first; every wait_for_turn is matched by one hand_over_turn of the
  // other (consumer 1 opens the first turn and skips handing over after its last one).
  if (kTakeTurns && consumer == 1 && total_tiles > 0) hand_over_turn(consumer);
  int64_t block_of_tile = kept_block(p, first_entry, sparse_tiles, 0);  // read one tile ahead of its use
  if (total_tiles > 0) {
    mbarrier_wait(full(0), 0);
    if (kTakeTurns) wait_for_turn(consumer);
    wgmma_fence();
    issue_scores<T, D>(s, q_address, keys_of(0));
    wgmma_commit();
    if (kTakeTurns) hand_over_turn(consumer);
    wgmma_wait<0>();
    pin_registers(s);
    const Log2Units units = scores_to_log2(s, p, key_tile(p, sparse_tiles, 0, block_of_tile), scale_log2, quad);
    online_softmax(s, units, m, l, alpha);
    pack_probabilities<T>(s, a);
  }
  block_of_tile = kept_block(p, first_entry, sparse_tiles, 1);
  // While the tensor cores compute S of tile t and P V of tile t - 1, the softmax of tile t runs as
  // soon as S is there; the stage of tile t - 1 goes back to the producer once its P V is done.
  for (int t = 1; t < total_tiles; ++t) {
    const int stage = t % C::STAGES, previous = (t - 1) % C::STAGES;
    const int64_t block_of_next_tile = kept_block(p, first_entry, sparse_tiles, t + 1);
    mbarrier_wait(full(stage), (t / C::STAGES) & 1);
    if (kTakeTurns) wait_for_turn(consumer);
    wgmma_fence();
    issue_scores<T, D>(s, q_address, keys_of(stage));
    wgmma_commit();
    issue_values<T, D>(o, a, values_of(previous));
    wgmma_commit();
    if (kTakeTurns) hand_over_turn(consumer);
    wgmma_wait<1>();
    pin_registers(s);
    const Log2Units units = scores_to_log2(s, p, key_tile(p, sparse_tiles, t, block_of_tile), scale_log2, quad);
    online_softmax(s, units, m, l, alpha);
    wgmma_wait<0>();
    pin_registers(o);
    pin_registers(a);
    mbarrier_arrive(empty(previous));
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      o[4 * n] *= alpha[0];
      o[4 * n + 1] *= alpha[0];
      o[4 * n + 2] *= alpha[1];
      o[4 * n + 3] *= alpha[1];
    }
    pack_probabilities<T>(s, a);
    block_of_tile = block_of_next_tile;
  }
  if (total_tiles > 0) {
    if (kTakeTurns) wait_for_turn(consumer);
    wgmma_fence();
    issue_values<T, D>(o, a, values_of((total_tiles - 1) % C::STAGES));
    wgmma_commit();
    if (kTakeTurns && consumer == 0) hand_over_turn(consumer);
    wgmma_wait<0>();
    pin_registers(o);
    pin_registers(a);
  }

  const int64_t out_token_stride = p.out_strides.token;  // resolved by the launcher, also when packed
  T* out = static_cast<T*>(p.out) + static_cast<int64_t>(bh) * p.out_strides.bh;
  float* lse = p.lse + static_cast<int64_t>(bh) * p.query_tokens;
  const int64_t q_first = static_cast<int64_t>(qb) * kRows;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const float total = quad_sum(l[h]);
    const float inverse = total > 0.0f ? 1.0f / total : 0.0f;  // a row that attends nothing: 0, LSE -inf
    const int64_t r = q_first + consumer * 64 + warp * 16 + lane / 4 + 8 * h;
    if (r < p.query_tokens) {
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        MmaType<T>::store2(out + r * out_token_stride + n * 8 + 2 * quad, o[4 * n + 2 * h] * inverse,
                           o[4 * n + 2 * h + 1] * inverse);
      }
      if (quad == 0) lse[r] = total > 0.0f ? (m[h] + log2f(total)) * kLn2 : -INFINITY;
    }
  }
#else
  __trap();  // built without sm_90a code; the launcher checks the device before choosing this kernel
#endif
}

using EncodeTiled = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                 const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                 CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

// The driver's cuTensorMapEncodeTiled through the runtime, so nothing links libcuda directly.
EncodeTiled encode_tiled() {
  static const EncodeTiled function = [] {
    void* address = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &address, 12000, cudaEnableDefault, &found) !=
            cudaSuccess ||
        found != cudaDriverEntryPointSuccess) {
      return static_cast<EncodeTiled>(nullptr);
    }
    return reinterpret_cast<EncodeTiled>(address);
  }();
  return function;
}

// A [bh][tokens][D] map with [1][128][64] boxes in the 128-byte swizzle, packed or with the given
// element strides. Returns null, or what went wrong.
const char* encode_map(CUtensorMap& map, const char* tensor, const void* data, int64_t bh, int tokens, int dim,
                       OperandStrides layout = {}) {
  thread_local std::string failure;
  const EncodeTiled encode = encode_tiled();
  if (encode == nullptr) {
    return "sparse_forward_sm90_kernel (the driver offers no cuTensorMapEncodeTiled: a CUDA 12 driver or newer is "
           "needed)";
  }
  const cuuint64_t sizes[3] = {static_cast<cuuint64_t>(dim), static_cast<cuuint64_t>(tokens),
                               static_cast<cuuint64_t>(bh)};
  const int64_t token_stride = layout.packed() ? dim : layout.token;
  const int64_t bh_stride = layout.packed() ? static_cast<int64_t>(tokens) * dim : layout.bh;
  const cuuint64_t strides[2] = {static_cast<cuuint64_t>(token_stride) * 2, static_cast<cuuint64_t>(bh_stride) * 2};
  const cuuint32_t box[3] = {kAtomColumns, kRows, 1};
  const cuuint32_t element_strides[3] = {1, 1, 1};
  const CUresult result =
      encode(&map, CU_TENSOR_MAP_DATA_TYPE_UINT16, 3, const_cast<void*>(data), sizes, strides, box, element_strides,
             CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
             CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (result == CUDA_SUCCESS) return nullptr;
  failure = "sparse_forward_sm90_kernel (cuTensorMapEncodeTiled refused the TMA descriptor of " + std::string(tensor) +
            " [" + std::to_string(bh) + ", " + std::to_string(tokens) + ", " + std::to_string(dim) + "]: CUresult " +
            std::to_string(static_cast<int>(result)) + ")";
  return failure.c_str();
}

template <typename T, int D, bool kTakeTurns>
LaunchStatus launch(const SparseForwardParams& p, cudaStream_t stream) {
  using C = Sm90Config<D>;
  static_assert(C::SHARED_BYTES <= 227 * 1024, "Hopper gives a block at most 227 KB of shared memory");
  const char* name = "sparse_forward_sm90_kernel";
  ForwardMaps maps{};  // without global tokens their maps stay zero: the kernel never reads them
  const bool global = p.global_k != nullptr && p.global_tokens > 0;
  for (const char* failure :
       {encode_map(maps.q, "q", p.q, p.bh, p.query_tokens, D, p.q_strides),
        encode_map(maps.k, "k", p.k, p.bh, p.key_tokens, D, p.k_strides),
        encode_map(maps.v, "v", p.v, p.bh, p.key_tokens, D, p.v_strides),
        global ? encode_map(maps.global_k, "the global keys", p.global_k, p.bh, p.global_tokens, D) : nullptr,
        global ? encode_map(maps.global_v, "the global values", p.global_v, p.bh, p.global_tokens, D) : nullptr}) {
    if (failure != nullptr) return {cudaErrorInvalidValue, failure};
  }
  auto kernel = sparse_forward_sm90_kernel<T, D, kTakeTurns>;
  cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, C::SHARED_BYTES);
  if (error != cudaSuccess) return {error, name};
  SparseForwardParams resolved = p;
  if (p.out_strides.packed()) resolved.out_strides = {static_cast<int64_t>(p.query_tokens) * D, D};
  const dim3 grid(static_cast<unsigned>(p.query_blocks), static_cast<unsigned>(p.bh));
  kernel<<<grid, kThreads, C::SHARED_BYTES, stream>>>(resolved, maps);
  return {cudaGetLastError(), name};
}

}  // namespace

bool current_device_runs_sm90a() {
#ifndef BLADE_HAVE_SM90A
  return false;  // built without sm_90a machine code: the Hopper kernels' bodies would only trap
#else
  constexpr int kMaxDevices = 64;
  static std::array<std::atomic<int>, kMaxDevices> known{};  // per device: 0 not asked yet, 1 yes, -1 no
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= kMaxDevices) return false;
  int answer = known[device].load(std::memory_order_relaxed);
  if (answer == 0) {
    int major = 0, minor = 0;
    const bool asked = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess &&
                       cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) == cudaSuccess;
    answer = asked && major == 9 && minor == 0 ? 1 : -1;
    known[device].store(answer, std::memory_order_relaxed);
  }
  return answer > 0;
#endif
}

bool sm90_forward_applies(int dim, int block_size) {
  return block_size == kRows && (dim == 64 || dim == 128) && current_device_runs_sm90a();
}

bool sm90_forward_takes(const SparseForwardParams& p) {
  // TMA reads from 16-byte aligned addresses, and a tensor map needs at least one token.
  auto aligned = [](const void* pointer) { return pointer == nullptr || reinterpret_cast<uintptr_t>(pointer) % 16 == 0; };
  // 16-bit elements: strides in multiples of 8 are 16-byte aligned; the output is stored 4 bytes at a time.
  auto aligned_strides = [](const OperandStrides& s) {
    return s.packed() || (s.bh > 0 && s.token > 0 && s.bh % 8 == 0 && s.token % 8 == 0);
  };
  return aligned(p.q) && aligned(p.k) && aligned(p.v) && aligned(p.global_k) && aligned(p.global_v) &&
         aligned_strides(p.q_strides) && aligned_strides(p.k_strides) && aligned_strides(p.v_strides) &&
         aligned_strides(p.out_strides) && p.query_tokens > 0 && p.key_tokens > 0;
}

template <bool kTakeTurns>
LaunchStatus launch_with_schedule(const SparseForwardParams& p, ElementType type, int dim, cudaStream_t stream) {
  if (type == ElementType::BFloat16) {
    return dim == 64 ? launch<__nv_bfloat16, 64, kTakeTurns>(p, stream) : launch<__nv_bfloat16, 128, kTakeTurns>(p, stream);
  }
  return dim == 64 ? launch<__half, 64, kTakeTurns>(p, stream) : launch<__half, 128, kTakeTurns>(p, stream);
}

LaunchStatus launch_sparse_forward_sm90(const SparseForwardParams& p, ElementType type, int dim, cudaStream_t stream) {
  // Hopper: the warpgroups independent (kept to compare with); Auto and HopperTakingTurns: taking turns.
  if (p.kernel == ForwardKernel::Hopper) return launch_with_schedule<false>(p, type, dim, stream);
  return launch_with_schedule<true>(p, type, dim, stream);
}

}  // namespace blade::kernels::detail
