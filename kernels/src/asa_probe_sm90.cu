// The split probe's scores kernel for Hopper (sm_90a): the sampled scores with wgmma instead of
// mma.sync. It writes the same R as probe_scores_kernel (asa_probe.cu) - the maximum over each key
// block's sampled keys, per sampled query row, [row][key block][sample] with 16 samples per row -
// so the selection kernel that follows is shared.
//
// A thread block has two warpgroups; each multiplies 64 sampled query rows (4 query blocks x 16
// samples) by 128 sampled key rows per step (8 key blocks x 16 samples) with m64n128k16. The key
// rows are staged sample-major (row = sample * 8 + block), so in the accumulator fragment
// (wgmma.cuh) column 8 g + 2 (lane % 4) + e is sample g of block 2 (lane % 4) + e: each thread takes
// its blocks' maxima over g in registers, with no shuffles. All threads gather the sampled rows with
// cp.async into the 128-byte swizzled layout the wgmma descriptors describe.

#include "asa_launch.h"
#include "tensor_core.cuh"
#include "wgmma.cuh"

#include <cmath>
#include <cstdint>

namespace blade::kernels::detail {
namespace {

using namespace blade::kernels::device;

constexpr int kSamples = 16;          // sampled rows per block this kernel is built for (fewer: padded)
constexpr int kWarpgroups = 2;
constexpr int kThreads = 128 * kWarpgroups;
constexpr int kQueryBlocksPerGroup = 4;  // 64 rows / 16 samples
constexpr int kQueryBlocksPerCta = kQueryBlocksPerGroup * kWarpgroups;
constexpr int kKeyBlocksPerStep = 8;  // 128 rows / 16 samples
constexpr int kKeyRows = kKeyBlocksPerStep * kSamples;
constexpr int kQueryRows = kQueryBlocksPerGroup * kSamples;
constexpr int kStages = 2;
constexpr int kLineBytes = 128;       // one swizzled row of 64 16-bit elements
constexpr int kGroupBytes = 8 * kLineBytes;

template <int D>
struct ScoresLayout {
  static constexpr int ATOMS = D / 64;
  static constexpr int QUERY_ATOM = kQueryRows * kLineBytes;  // [64][64]
  static constexpr int KEY_ATOM = kKeyRows * kLineBytes;      // [128][64]
  static constexpr int QUERY_BYTES = ATOMS * QUERY_ATOM;      // per warpgroup
  static constexpr int KEY_BYTES = ATOMS * KEY_ATOM;          // per stage
  static constexpr int SHARED_BYTES = kWarpgroups * QUERY_BYTES + kStages * KEY_BYTES + 1024;
};

// Byte offset of 16-byte chunk c (of D / 8) of row r in a swizzled tile whose atoms are atom_bytes apart.
__device__ __forceinline__ uint32_t swizzled_offset(int row, int chunk, int atom_bytes) {
  return (chunk / 8) * atom_bytes + row * kLineBytes + (((chunk % 8) ^ (row % 8)) << 4);
}

template <typename T, int D>
__global__ void __launch_bounds__(kThreads, 2) probe_scores_sm90_kernel(const ProbeParams p, float* r_out) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using L = ScoresLayout<D>;
  extern __shared__ unsigned char shared_raw[];
  const uint32_t raw = smem_address(shared_raw);
  const uint32_t pad = (1024 - (raw & 1023)) & 1023;  // the swizzle needs 1024-byte aligned atoms
  unsigned char* base = shared_raw + pad;
  unsigned char* queries = base;
  auto keys_of = [&](int stage) { return base + kWarpgroups * L::QUERY_BYTES + stage * L::KEY_BYTES; };

  const int tid = threadIdx.x, group = tid / 128, warp = (tid % 128) / 32, lane = tid % 32, quad = lane % 4;
  const int64_t bh = blockIdx.y;
  const int S = p.samples, KB = p.key_blocks, QB = p.query_blocks;
  const int first_query_block = blockIdx.x * kQueryBlocksPerCta;
  const T* q = static_cast<const T*>(p.q) + bh * p.query_tokens * D;
  const T* k = static_cast<const T*>(p.k) + bh * p.key_tokens * D;
  const int64_t* query_offsets = p.query_offsets + bh * S;
  const int64_t* key_offsets = p.key_offsets + bh * S;

  // Sampled query rows of both warpgroups: row m of group g is sample m % 16 of query block
  // first + 4 g + m / 16. Rows past the samples or the query blocks are zeros.
  for (int i = tid; i < kWarpgroups * kQueryRows * (D / 8); i += kThreads) {
    const int row = i / (D / 8), chunk = i % (D / 8);
    const int g = row / kQueryRows, m = row % kQueryRows, sample = m % kSamples;
    const int qb = first_query_block + g * kQueryBlocksPerGroup + m / kSamples;
    const bool valid = qb < QB && sample < S;
    const int64_t pos = valid ? min64(static_cast<int64_t>(qb) * p.block_size + query_offsets[sample], p.query_tokens - 1) : 0;
    cp_async16(queries + g * L::QUERY_BYTES + swizzled_offset(m, chunk, L::QUERY_ATOM), q + pos * D + chunk * 8, valid);
  }
  auto stage_keys = [&](int step, int stage) {
    unsigned char* buffer = keys_of(stage);
    for (int i = tid; i < kKeyRows * (D / 8); i += kThreads) {
      const int row = i / (D / 8), chunk = i % (D / 8);
      const int sample = row / kKeyBlocksPerStep, kb = step * kKeyBlocksPerStep + row % kKeyBlocksPerStep;
      const bool valid = kb < KB && sample < S;
      const int64_t pos = valid ? min64(static_cast<int64_t>(kb) * p.block_size + key_offsets[sample], p.key_tokens - 1) : 0;
      cp_async16(buffer + swizzled_offset(row, chunk, L::KEY_ATOM), k + pos * D + chunk * 8, valid);
    }
  };

  const int steps = (KB + kKeyBlocksPerStep - 1) / kKeyBlocksPerStep;
  stage_keys(0, 0);
  cp_async_commit();  // the queries travel with the first key stage
  const uint32_t query_address = smem_address(queries + group * L::QUERY_BYTES);
  // This thread's accumulator rows: sample lane / 4 (+ 8) of query block first + 4 group + warp.
  const int qb = first_query_block + group * kQueryBlocksPerGroup + warp;
  float* r_rows = r_out + (bh * QB + qb) * static_cast<int64_t>(KB) * kSamples;
  float acc[kKeyRows / 2];
  for (int step = 0; step < steps; ++step) {
    if (step + 1 < steps) stage_keys(step + 1, (step + 1) % kStages);
    cp_async_commit();
    cp_async_wait<1>();
    // cp.async writes through the generic proxy; wgmma reads through the async proxy.
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
    __syncthreads();
    const uint32_t key_address = smem_address(keys_of(step % kStages));
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      wgmma_ss<T, kKeyRows>(acc,
                             swizzled_descriptor(query_address + (kk / 4) * L::QUERY_ATOM + (kk % 4) * 32, 16, kGroupBytes),
                             swizzled_descriptor(key_address + (kk / 4) * L::KEY_ATOM + (kk % 4) * 32, 16, kGroupBytes),
                             kk > 0);
    }
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(acc);
    if (qb < QB) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int kb = step * kKeyBlocksPerStep + 2 * quad + e;
        if (kb >= KB) continue;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          float best = -INFINITY;
#pragma unroll
          for (int g = 0; g < kSamples; ++g) {
            if (g < S) best = fmaxf(best, acc[4 * g + 2 * h + e]);
          }
          r_rows[static_cast<int64_t>(kb) * kSamples + lane / 4 + 8 * h] = best * p.scale;
        }
      }
    }
    __syncthreads();  // every warpgroup is done with this stage before it is refilled
  }
  cp_async_wait<0>();
#else
  __trap();  // built without sm_90a code; the launcher checks the device before choosing this kernel
#endif
}

template <typename T, int D>
LaunchStatus launch(const ProbeParams& p, float* scratch, cudaStream_t stream) {
  using L = ScoresLayout<D>;
  auto kernel = probe_scores_sm90_kernel<T, D>;
  cudaError_t error = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, L::SHARED_BYTES);
  if (error != cudaSuccess) return {error, "probe_scores_sm90_kernel"};
  const dim3 grid(static_cast<unsigned>((p.query_blocks + kQueryBlocksPerCta - 1) / kQueryBlocksPerCta),
                  static_cast<unsigned>(p.bh));
  kernel<<<grid, kThreads, L::SHARED_BYTES, stream>>>(p, scratch);
  return {cudaGetLastError(), "probe_scores_sm90_kernel"};
}

}  // namespace

bool sm90_probe_scores_applies(int samples, int dim) {
  return samples >= 1 && samples <= kSamples && (dim == 64 || dim == 128) && current_device_runs_sm90a();
}

LaunchStatus launch_probe_scores_sm90(const ProbeParams& p, ElementType type, int dim, float* scratch,
                                      cudaStream_t stream) {
  // TMA is not used, but cp.async reads 16-byte chunks: rows of 64 or 128 16-bit elements are aligned
  // whenever the tensors are.
  if (type == ElementType::BFloat16) {
    return dim == 64 ? launch<__nv_bfloat16, 64>(p, scratch, stream) : launch<__nv_bfloat16, 128>(p, scratch, stream);
  }
  return dim == 64 ? launch<__half, 64>(p, scratch, stream) : launch<__half, 128>(p, scratch, stream);
}

}  // namespace blade::kernels::detail
