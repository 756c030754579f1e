#pragma once
// Warp-level building blocks of the ASA kernels: mma.sync m16n8k16 (bf16 / fp16 in, fp32 accumulate),
// ldmatrix, cp.async and a swizzled shared-memory tile layout.
//
// Fragment layouts (PTX ISA, mma.m16n8k16), lane = threadIdx.x % 32, g = lane / 4, t = lane % 4:
//   A 16x16: a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..)
//   B 16x8 : b0 (k 2t..2t+1, n g), b1 (k 2t+8.., n g)
//   C 16x8 : c0 c1 (g, 2t..2t+1), c2 c3 (g+8, 2t..2t+1)

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

namespace blade::kernels::device {

template <typename T>
struct MmaType;

template <>
struct MmaType<__nv_bfloat16> {
  static __device__ __forceinline__ uint32_t pack(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
  static __device__ __forceinline__ void store2(__nv_bfloat16* dst, float a, float b) {
    *reinterpret_cast<__nv_bfloat162*>(dst) = __floats2bfloat162_rn(a, b);
  }
  static __device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
};

template <>
struct MmaType<__half> {
  static __device__ __forceinline__ uint32_t pack(float lo, float hi) {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
  static __device__ __forceinline__ void store2(__half* dst, float a, float b) {
    *reinterpret_cast<__half2*>(dst) = __floats2half2_rn(a, b);
  }
  static __device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
};

// d += a * b for one 16x8x16 tile.
template <typename T>
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}

__device__ __forceinline__ uint32_t smem_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

// 16-byte asynchronous copy; with valid == false the destination is zero-filled (src is not read).
__device__ __forceinline__ void cp_async16(void* dst, const void* src, bool valid) {
  const int bytes = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(dst)), "l"(src), "r"(bytes));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

__device__ __forceinline__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ __forceinline__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// A [rows][COLS] tile of 16-bit elements in shared memory whose 16-byte chunks are XOR-swizzled by
// the row, so that the eight row addresses of one ldmatrix (eight consecutive rows, one chunk
// column) hit eight different 16-byte bank groups.
template <typename T, int COLS>
struct SwizzledTile {
  static_assert(COLS == 32 || COLS % 64 == 0, "rows of 4 or a multiple of 8 chunks of 16 bytes");
  T* base;
  __device__ __forceinline__ T* at(int row, int col) const {
    // 64-byte rows: two rows share a 128-byte bank line, so the swizzle key is row / 2.
    const int key = COLS == 32 ? (row >> 1) & 3 : row & 7;
    const int chunk = (col >> 3) ^ key;
    return base + row * COLS + (chunk << 3) + (col & 7);
  }
};

// Copies rows [first, first + ROWS) of a row-major [*, COLS] matrix into a swizzled tile; rows at
// or past `valid_rows` are zero-filled. All THREADS threads of the block take part.
template <int ROWS, int COLS, int THREADS, typename T>
__device__ __forceinline__ void load_tile_async(const SwizzledTile<T, COLS>& tile, const T* matrix, int64_t first,
                                                int valid_rows, int thread) {
  constexpr int chunks_per_row = COLS / 8;
  constexpr int chunks = ROWS * chunks_per_row;
#pragma unroll
  for (int i = thread; i < chunks; i += THREADS) {
    const int row = i / chunks_per_row, chunk = i % chunks_per_row;
    const bool valid = row < valid_rows;
    const T* src = matrix + (valid ? (first + row) * COLS + chunk * 8 : 0);
    cp_async16(tile.at(row, chunk * 8), src, valid);
  }
}

}  // namespace blade::kernels::device
