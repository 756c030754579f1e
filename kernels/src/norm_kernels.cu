// Fused normalisations of the Wan models, memory-bound: each reads its input once from DRAM and
// writes its output once, where the composite ATen versions make several float32 (or float64)
// round trips through memory.

#include "norm_launch.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace blade::kernels::detail {
namespace {

constexpr int kThreads = 256;
constexpr int kWarpsPerBlock = kThreads / 32;

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }

template <typename T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16(v); }
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half(v); }

// float64 to T with one rounding. (ATen goes through float32 for bf16 / fp16, two roundings: the
// two can differ by one unit in the last place where the first rounding makes a tie.)
template <typename T>
__device__ __forceinline__ T from_double(double v);
template <>
__device__ __forceinline__ float from_double<float>(double v) { return static_cast<float>(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_double<__nv_bfloat16>(double v) { return __double2bfloat16(v); }
template <>
__device__ __forceinline__ __half from_double<__half>(double v) { return __double2half(v); }

// 16-byte vectors: the row starts are 16-byte aligned and the channel counts multiples of a vector
// (the wrappers check both).
template <typename T>
struct Vec {
  static constexpr int N = 16 / sizeof(T);
  __device__ __forceinline__ static void load(const T* src, float (&dst)[N]) {
    const uint4 raw = *reinterpret_cast<const uint4*>(src);
    const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int i = 0; i < N; ++i) dst[i] = to_float(e[i]);
  }
  template <typename Value>
  __device__ __forceinline__ static void store(T* dst, const Value (&src)[N]) {
    uint4 raw;
    T* e = reinterpret_cast<T*>(&raw);
#pragma unroll
    for (int i = 0; i < N; ++i) {
      if constexpr (sizeof(Value) == 8) {
        e[i] = from_double<T>(src[i]);
      } else {
        e[i] = from_float<T>(src[i]);
      }
    }
    *reinterpret_cast<uint4*>(dst) = raw;
  }
};

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) channel_rms_norm_kernel(ChannelRmsNormParams p) {
  const int64_t position = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (position >= p.positions) return;
  const int64_t frame = blockIdx.y % p.frames, b = blockIdx.y / p.frames;
  const T* x = static_cast<const T*>(p.x) + b * p.x_batch_stride + frame * p.x_frame_stride + position;
  const T* gamma = static_cast<const T*>(p.gamma);
  const T* bias = static_cast<const T*>(p.bias);
  const int64_t out_channel_stride = p.frames * p.positions;
  T* out = static_cast<T*>(p.out) + b * p.channels * out_channel_stride + frame * p.positions + position;

  float sum = 0.0f;
  for (int64_t c = 0; c < p.channels; ++c) {
    const float v = to_float(x[c * p.x_channel_stride]);
    sum = fmaf(v, v, sum);
  }
  const float inverse = p.scale / fmaxf(sqrtf(sum), 1e-12f);
  for (int64_t c = 0; c < p.channels; ++c) {
    float y = to_float(x[c * p.x_channel_stride]) * inverse * to_float(gamma[c]);
    if (bias != nullptr) y += to_float(bias[c]);
    if (p.silu) y = y / (1.0f + __expf(-y));
    out[c * out_channel_stride] = from_float<T>(y);
  }
}

// N consecutive float32 weights (N a multiple of 4): 16-byte loads where the launcher found them aligned.
template <int N>
__device__ __forceinline__ void load_weights(const float* src, bool vector, float (&dst)[N]) {
#pragma unroll
  for (int i = 0; i < N; i += 4) {
    if (vector) {
      const float4 w = *reinterpret_cast<const float4*>(src + i);
      dst[i] = w.x, dst[i + 1] = w.y, dst[i + 2] = w.z, dst[i + 3] = w.w;
    } else {
#pragma unroll
      for (int j = 0; j < 4; ++j) dst[i + j] = src[i + j];
    }
  }
}

// One row (token) of a query / key norm launch: its input, its token's rotation factors, and where
// each head's channels go. Worked out once per row: the 64-bit divisions behind them cost more
// than the arithmetic of a whole vector.
template <typename T>
struct QueryKeyRow {
  using V = Vec<T>;
  static constexpr int N = V::N;

  const RmsNormRopeParams& p;
  const T* x;
  T* out;               // channel 0 of head 0 of this token
  int64_t head_stride;  // elements between two heads' channels in out
  const double2* rope;  // the token's head_dim / 2 factors, or null

  __device__ QueryKeyRow(const RmsNormRopeParams& params, int64_t row) : p(params) {
    const int64_t token = row % p.tokens, batch = row / p.tokens;
    x = static_cast<const T*>(p.x) + row * p.channels;
    if (p.heads_major) {
      const int64_t heads = p.channels / p.head_dim;
      out = static_cast<T*>(p.out) + (batch * heads * p.tokens + token) * p.head_dim;
      head_stride = p.tokens * p.head_dim;
    } else {
      out = static_cast<T*>(p.out) + row * p.channels;
      head_stride = p.head_dim;
    }
    rope = p.rope == nullptr ? nullptr : reinterpret_cast<const double2*>(p.rope) + token * (p.head_dim / 2);
  }

  // Where channel c lies within its head (vectors never straddle two heads: head_dim % N == 0).
  __device__ int place(int c) const { return c % p.head_dim; }

  // The token's rotation factors for the N / 2 pairs from `place` on (with rope).
  __device__ void load_factors(int place, double2 (&f)[N / 2]) const {
#pragma unroll
    for (int j = 0; j < N / 2; ++j) f[j] = rope[place / 2 + j];
  }

  // Channels c to c + N - 1 scaled by the row's inverse RMS and the weights, turned by the factors
  // of c's place (ignored without rope), and stored.
  __device__ void store(int c, float (&v)[N], float inverse, const double2 (&f)[N / 2]) const {
    float w[N];
    load_weights<N>(p.weight + c, p.vector_weight, w);
#pragma unroll
    for (int i = 0; i < N; ++i) v[i] = v[i] * inverse * w[i];
    const int within = place(c);
    T* dst = out + (c / p.head_dim) * head_stride + within;
    if (rope == nullptr) {
      V::store(dst, v);
      return;
    }
    // The pairs (2j, 2j + 1) of a head are complex numbers turned by the token's angle, in float64.
    double turned[N];
#pragma unroll
    for (int j = 0; j < N / 2; ++j) {
      const double re = v[2 * j], im = v[2 * j + 1];
      turned[2 * j] = re * f[j].x - im * f[j].y;
      turned[2 * j + 1] = re * f[j].y + im * f[j].x;
    }
    V::store(dst, turned);
  }
};

// Rows of any width, one warp each: a pass for the sum of squares, a second (from cache) for the output.
template <typename T>
__global__ void __launch_bounds__(kThreads) rms_norm_rope_kernel(RmsNormRopeParams p) {
  using Row = QueryKeyRow<T>;
  constexpr int N = Row::N;
  const int64_t row_index = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row_index >= p.rows) return;
  const int lane = threadIdx.x % 32;
  const Row row(p, row_index);
  float sum = 0.0f;
  for (int c = lane * N; c < p.channels; c += 32 * N) {
    float v[N];
    Row::V::load(row.x + c, v);
#pragma unroll
    for (int i = 0; i < N; ++i) sum = fmaf(v[i], v[i], sum);
  }
  const float inverse = rsqrtf(warp_sum(sum) / static_cast<float>(p.channels) + p.eps);
  for (int c = lane * N; c < p.channels; c += 32 * N) {
    float v[N];
    double2 f[N / 2];
    Row::V::load(row.x + c, v);
    if (row.rope != nullptr) row.load_factors(row.place(c), f);
    row.store(c, v, inverse, f);
  }
}

// The same for rows of at most kVectors * 32 16-byte vectors, read once: all of a lane's loads are
// issued before the first is used, and the row stays in registers in its packed form.
template <typename T, int kVectors>
__global__ void __launch_bounds__(kThreads, 3) rms_norm_rope_in_registers_kernel(RmsNormRopeParams p) {
  using Row = QueryKeyRow<T>;
  constexpr int N = Row::N;
  const int64_t row_index = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row_index >= p.rows) return;
  const int lane = threadIdx.x % 32;
  const Row row(p, row_index);
  uint4 packed[kVectors];
#pragma unroll
  for (int k = 0; k < kVectors; ++k) {
    const int c = (32 * k + lane) * N;
    if (c < p.channels) packed[k] = *reinterpret_cast<const uint4*>(row.x + c);
  }
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kVectors; ++k) {
    if ((32 * k + lane) * N >= p.channels) continue;
    float v[N];
    Row::V::load(reinterpret_cast<const T*>(&packed[k]), v);
#pragma unroll
    for (int i = 0; i < N; ++i) sum = fmaf(v[i], v[i], sum);
  }
  const float inverse = rsqrtf(warp_sum(sum) / static_cast<float>(p.channels) + p.eps);
  // Where 32 vectors span whole heads (Wan: 256 bf16 / fp16 or 128 float32 channels, heads of 128), a lane meets
  // the same place in every head it visits and loads that place's factors once.
  const bool one_place = p.head_dim <= 32 * N && (32 * N) % p.head_dim == 0;
  double2 f[N / 2];
  if (row.rope != nullptr && one_place) row.load_factors(row.place(lane * N), f);
#pragma unroll
  for (int k = 0; k < kVectors; ++k) {
    const int c = (32 * k + lane) * N;
    if (c >= p.channels) continue;
    float v[N];
    Row::V::load(reinterpret_cast<const T*>(&packed[k]), v);
    if (row.rope != nullptr && !one_place) row.load_factors(row.place(c), f);
    row.store(c, v, inverse, f);
  }
}

// Four consecutive elements as float, and back (8- or 16-byte accesses: the wrappers keep rows aligned).
template <typename T>
__device__ __forceinline__ void load4(const T* src, float (&dst)[4]) {
  if constexpr (sizeof(T) == 4) {
    const float4 raw = *reinterpret_cast<const float4*>(src);
    dst[0] = raw.x, dst[1] = raw.y, dst[2] = raw.z, dst[3] = raw.w;
  } else {
    const uint2 raw = *reinterpret_cast<const uint2*>(src);
    const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int i = 0; i < 4; ++i) dst[i] = to_float(e[i]);
  }
}

template <typename T>
__device__ __forceinline__ void store4(T* dst, const float (&src)[4]) {
  if constexpr (sizeof(T) == 4) {
    *reinterpret_cast<float4*>(dst) = make_float4(src[0], src[1], src[2], src[3]);
  } else {
    uint2 raw;
    T* e = reinterpret_cast<T*>(&raw);
#pragma unroll
    for (int i = 0; i < 4; ++i) e[i] = from_float<T>(src[i]);
    *reinterpret_cast<uint2*>(dst) = raw;
  }
}

// Four consecutive affine parameters (scale, shift or gate); 16-byte loads where the launcher found
// them aligned.
__device__ __forceinline__ void load_affine4(const float* src, bool vector, float (&dst)[4]) {
  if (vector) {
    load4(src, dst);
  } else {
#pragma unroll
    for (int i = 0; i < 4; ++i) dst[i] = src[i];
  }
}

// One warp's row of a LayerNorm launch: where it reads and writes, and the steps over four channels
// that both LayerNorm kernels take.
template <typename Out>
struct LayerNormRow {
  const LayerNormAffineParams& p;
  const float* x;
  const float* scale;
  const float* shift;
  const float* gate;   // null: the residual is added ungated
  const Out* residual; // null: a plain LayerNorm of x
  float* updated;      // the stream x + residual (* gate), written in place
  Out* out;

  __device__ LayerNormRow(const LayerNormAffineParams& params, int64_t row) : p(params) {
    const int64_t b = row / p.tokens, first = row * p.channels;
    x = p.x + first;
    scale = p.scale + b * p.scale_batch_stride;
    shift = p.shift + b * p.shift_batch_stride;
    gate = p.gate == nullptr ? nullptr : p.gate + b * p.gate_batch_stride;
    residual = p.residual == nullptr ? nullptr : static_cast<const Out*>(p.residual) + first;
    updated = p.residual == nullptr ? nullptr : p.updated_x + first;
    out = static_cast<Out*>(p.out) + first;
  }

  // The stream the norm is of: x, or x after the residual update.
  __device__ const float* stream() const { return residual == nullptr ? x : updated; }

  // Channels c to c + 3 of the stream; with a residual, x + residual (* gate), written back in place.
  __device__ void load_stream(int c, float (&v)[4]) const {
    load4(x + c, v);
    if (residual == nullptr) return;
    float r[4], g[4];
    load4(residual + c, r);
    if (gate != nullptr) load_affine4(gate + c, p.vector_affine, g);
#pragma unroll
    for (int i = 0; i < 4; ++i) v[i] = gate == nullptr ? v[i] + r[i] : fmaf(r[i], g[i], v[i]);
    store4(updated + c, v);
  }

  // (v - mean) * inverse * ((1 +) scale) + shift into channels c to c + 3 of the output.
  __device__ void store_normed(int c, const float (&v)[4], float mean, float inverse) const {
    float factor[4], offset[4], y[4];
    load_affine4(scale + c, p.vector_affine, factor);
    load_affine4(shift + c, p.vector_affine, offset);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      y[i] = (v[i] - mean) * inverse * (p.one_plus_scale ? factor[i] + 1.0f : factor[i]) + offset[i];
    }
    store4(out + c, y);
  }
};

// Rows of any width (a multiple of 4 channels), one warp each. Two passes for the variance (mean
// first), as exact as float32 allows; the later passes read the row back from cache. Each lane reads
// back only what it wrote itself, so no barrier is needed.
template <typename Out>
__global__ void __launch_bounds__(kThreads) layer_norm_affine_kernel(LayerNormAffineParams p) {
  const int64_t row_index = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row_index >= p.rows) return;
  const int lane = threadIdx.x % 32;
  const LayerNormRow<Out> row(p, row_index);
  float sum = 0.0f;
  for (int c = lane * 4; c < p.channels; c += 32 * 4) {
    float v[4];
    row.load_stream(c, v);
#pragma unroll
    for (int i = 0; i < 4; ++i) sum += v[i];
  }
  const float mean = warp_sum(sum) / static_cast<float>(p.channels);
  const float* stream = row.stream();
  float squares = 0.0f;
  for (int c = lane * 4; c < p.channels; c += 32 * 4) {
    float v[4];
    load4(stream + c, v);
#pragma unroll
    for (int i = 0; i < 4; ++i) squares = fmaf(v[i] - mean, v[i] - mean, squares);
  }
  const float inverse = rsqrtf(warp_sum(squares) / static_cast<float>(p.channels) + p.eps);
  for (int c = lane * 4; c < p.channels; c += 32 * 4) {
    float v[4];
    load4(stream + c, v);
    row.store_normed(c, v, mean, inverse);
  }
}

// The same LayerNorm for rows of at most kChunks * 128 channels, held in registers: the stream is
// read once, and the mean and the variance come from the registers instead of two more passes
// through the cache. Lane l holds channels 4 (32 k + l) to 4 (32 k + l) + 3 of chunk k.
template <typename Out, int kChunks>
__global__ void __launch_bounds__(kThreads) layer_norm_affine_in_registers_kernel(LayerNormAffineParams p) {
  const int64_t row_index = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row_index >= p.rows) return;
  const int lane = threadIdx.x % 32;
  const LayerNormRow<Out> row(p, row_index);
  float v[kChunks][4];
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kChunks; ++k) {
    const int c = (32 * k + lane) * 4;
    if (c >= p.channels) continue;
    row.load_stream(c, v[k]);
#pragma unroll
    for (int i = 0; i < 4; ++i) sum += v[k][i];
  }
  const float mean = warp_sum(sum) / static_cast<float>(p.channels);
  float squares = 0.0f;
#pragma unroll
  for (int k = 0; k < kChunks; ++k) {
    if ((32 * k + lane) * 4 >= p.channels) continue;
#pragma unroll
    for (int i = 0; i < 4; ++i) squares = fmaf(v[k][i] - mean, v[k][i] - mean, squares);
  }
  const float inverse = rsqrtf(warp_sum(squares) / static_cast<float>(p.channels) + p.eps);
#pragma unroll
  for (int k = 0; k < kChunks; ++k) {
    const int c = (32 * k + lane) * 4;
    if (c < p.channels) row.store_normed(c, v[k], mean, inverse);
  }
}

template <typename Kernel, typename Params>
LaunchStatus launch_rows(Kernel kernel, const Params& p, cudaStream_t stream, const char* name) {
  const int64_t blocks = (p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(p);
  return {cudaGetLastError(), name};
}

}  // namespace

LaunchStatus launch_channel_rms_norm(const ChannelRmsNormParams& p, NormElement type, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((p.positions + kThreads - 1) / kThreads),
                  static_cast<unsigned>(p.batch * p.frames));
  switch (type) {
    case NormElement::Float32: channel_rms_norm_kernel<float><<<grid, kThreads, 0, stream>>>(p); break;
    case NormElement::BFloat16: channel_rms_norm_kernel<__nv_bfloat16><<<grid, kThreads, 0, stream>>>(p); break;
    case NormElement::Float16: channel_rms_norm_kernel<__half><<<grid, kThreads, 0, stream>>>(p); break;
  }
  return {cudaGetLastError(), "channel_rms_norm_kernel"};
}

namespace {

template <typename T>
LaunchStatus launch_rms_norm_rope_for(RmsNormRopeParams p, kernels::RmsNormRopeKernel kernel, cudaStream_t stream) {
  p.vector_weight = reinterpret_cast<uintptr_t>(p.weight) % 16 == 0;
  const char* name = "rms_norm_rope_kernel";
  const int vectors = (p.channels / Vec<T>::N + 31) / 32;  // per lane
  if (kernel != kernels::RmsNormRopeKernel::TwoPasses) {
    if (vectors <= 4) return launch_rows(rms_norm_rope_in_registers_kernel<T, 4>, p, stream, name);
    if (vectors <= 6) return launch_rows(rms_norm_rope_in_registers_kernel<T, 6>, p, stream, name);  // 1,536 channels
    if (vectors <= 8) return launch_rows(rms_norm_rope_in_registers_kernel<T, 8>, p, stream, name);
  }
  return launch_rows(rms_norm_rope_kernel<T>, p, stream, name);  // wider rows (Wan2.1-14B: 5120 channels)
}

}  // namespace

LaunchStatus launch_rms_norm_rope(const RmsNormRopeParams& p, NormElement type, kernels::RmsNormRopeKernel kernel,
                                  cudaStream_t stream) {
  switch (type) {
    case NormElement::Float32: return launch_rms_norm_rope_for<float>(p, kernel, stream);
    case NormElement::BFloat16: return launch_rms_norm_rope_for<__nv_bfloat16>(p, kernel, stream);
    case NormElement::Float16: return launch_rms_norm_rope_for<__half>(p, kernel, stream);
  }
  return {cudaErrorInvalidValue, "rms_norm_rope_kernel"};
}

namespace {

bool aligned_affine(const float* data, int64_t batch_stride) {
  return data == nullptr || (reinterpret_cast<uintptr_t>(data) % 16 == 0 && batch_stride % 4 == 0);
}

template <typename Out>
LaunchStatus launch_layer_norm_affine_for(LayerNormAffineParams p, cudaStream_t stream) {
  p.vector_affine = aligned_affine(p.scale, p.scale_batch_stride) && aligned_affine(p.shift, p.shift_batch_stride) &&
                    aligned_affine(p.gate, p.gate_batch_stride);
  const char* name = "layer_norm_affine_kernel";
  const int chunks = (p.channels + 127) / 128;
  if (chunks <= 4) return launch_rows(layer_norm_affine_in_registers_kernel<Out, 4>, p, stream, name);
  if (chunks <= 12) return launch_rows(layer_norm_affine_in_registers_kernel<Out, 12>, p, stream, name);
  if (chunks <= 16) return launch_rows(layer_norm_affine_in_registers_kernel<Out, 16>, p, stream, name);
  return launch_rows(layer_norm_affine_kernel<Out>, p, stream, name);  // wider rows (Wan2.1-14B: 5120)
}

}  // namespace

LaunchStatus launch_layer_norm_affine(const LayerNormAffineParams& p, NormElement out_type, cudaStream_t stream) {
  switch (out_type) {
    case NormElement::Float32:
      return launch_layer_norm_affine_for<float>(p, stream);
    case NormElement::BFloat16:
      return launch_layer_norm_affine_for<__nv_bfloat16>(p, stream);
    case NormElement::Float16:
      return launch_layer_norm_affine_for<__half>(p, stream);
  }
  return {cudaErrorInvalidValue, "layer_norm_affine_kernel"};
}

}  // namespace blade::kernels::detail
