#include "kernels/asa_cuda_bench.h"

#include "core/error.h"
#include "kernels/asa_cuda.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace blade::kernels {
namespace {

double median_ms(int warmup, int repeats, const std::function<void()>& work) {
  for (int i = 0; i < std::max(1, warmup); ++i) work();
  const auto stream = at::cuda::getCurrentCUDAStream();
  std::vector<double> times;
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  for (int i = 0; i < std::max(1, repeats); ++i) {
    cudaEventRecord(start, stream);
    work();
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, start, stop);
    times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess) fail(ErrorKind::Internal, "bench: CUDA error while timing: {}", cudaGetErrorString(error));
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

SparseBenchResult bench_block_sparse_cuda(const SparseBenchShape& s) {
  if (!torch::cuda::is_available()) fail(ErrorKind::Unsupported, "bench: no CUDA device is available");
  if (s.batch < 1 || s.heads < 1 || s.tokens < 1 || !(s.sparsity >= 0.0 && s.sparsity < 1.0)) {
    fail(ErrorKind::InvalidArgument, "bench: batch, heads and tokens must be positive and sparsity in [0, 1)");
  }
  const torch::Device device(torch::kCUDA, static_cast<c10::DeviceIndex>(s.device));
  const c10::cuda::CUDAGuard guard(device);
  torch::NoGradGuard no_grad;
  torch::cuda::manual_seed(s.seed);
  const auto options = torch::TensorOptions().device(device).dtype(s.bf16 ? torch::kBFloat16 : torch::kFloat16);
  const std::vector<int64_t> shape{s.batch, s.heads, s.tokens, s.dim};
  const auto q = torch::randn(shape, options), k = torch::randn(shape, options), v = torch::randn(shape, options);
  if (!sparse_attention_supported(q, k, v, s.block_size)) {
    fail(ErrorKind::Unsupported, "bench: the ASA CUDA kernels do not take D {} / block size {}", s.dim, s.block_size);
  }

  SparseBenchResult r;
  cudaDeviceProp props{};
  cudaGetDeviceProperties(&props, s.device);
  r.card = props.name;

  // Random mask with the same kept count in every row, built on the device.
  const int64_t blocks = (s.tokens + s.block_size - 1) / s.block_size;
  const int64_t rows = s.batch * s.heads * blocks;
  const int64_t keep = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil((1.0 - s.sparsity) * static_cast<double>(blocks) - 1e-9)), 1, blocks);
  const auto top = std::get<1>(torch::rand({rows, blocks}, options.dtype(torch::kFloat32)).topk(keep, -1));
  const auto chosen = std::get<0>(top.sort(-1));
  const auto indices = chosen.reshape({-1}).contiguous();
  const auto offsets = torch::arange(rows + 1, options.dtype(torch::kInt64)).mul_(keep);
  r.kept_fraction = static_cast<double>(keep) / static_cast<double>(blocks);

  GlobalTokenTensors global;
  int64_t global_count = 0;
  if (s.pool_tokens > 0) {
    const int64_t full = s.tokens / s.pool_tokens;
    const int64_t pad = (s.tokens + s.pool_tokens - 1) / s.pool_tokens - full;
    global_count = full + pad;
    global.keys = torch::randn({s.batch, s.heads, global_count, s.dim}, options);
    global.values = torch::randn({s.batch, s.heads, global_count, s.dim}, options);
    global.log_weight = torch::full({global_count}, std::log(static_cast<double>(s.pool_tokens)),
                                    options.dtype(torch::kFloat32));
    if (pad > 0) global.log_weight[full].fill_(std::log(static_cast<double>(s.tokens - full * s.pool_tokens)));
    global.pool_group = s.pool_bias_loads ? 0 : s.pool_tokens;
  }

  const double attended = static_cast<double>(keep * s.block_size + global_count);
  const double forward_flop = 4.0 * s.batch * s.heads * static_cast<double>(s.tokens) * s.dim * attended;
  set_forward_kernel(s.forward_kernel);
  struct RestoreDefaultKernel {
    ~RestoreDefaultKernel() { set_forward_kernel(0); }
  } restore;
  SparseAttentionResult fwd;
  r.forward_ms = median_ms(s.warmup, s.repeats,
                           [&] { fwd = block_sparse_forward_cuda(q, k, v, offsets, indices, s.block_size, global); });
  r.forward_tflops = forward_flop / (r.forward_ms * 1e-3) / 1e12;
  if (s.forward_kernel != 1 && hopper_forward_available(s.dim, s.block_size)) {
    set_forward_kernel(1);
    r.mma_sync_forward_ms = median_ms(s.warmup, s.repeats, [&] {
      block_sparse_forward_cuda(q, k, v, offsets, indices, s.block_size, global);
    });
    set_forward_kernel(s.forward_kernel);
  }

  if (s.backward) {
    const auto grad = torch::randn(shape, options);
    r.backward_ms = median_ms(s.warmup, s.repeats, [&] {
      block_sparse_backward_cuda(q, k, v, offsets, indices, s.block_size, global, fwd.out, fwd.lse, grad);
    });
    r.backward_tflops = 2.5 * forward_flop / (r.backward_ms * 1e-3) / 1e12;
  }
  if (s.probe) {
    const int64_t samples = std::min<int64_t>(16, s.block_size);
    const auto draw = [&] {
      const auto order = torch::rand({s.batch, s.heads, s.block_size}, options.dtype(torch::kFloat32))
                             .argsort(/*stable=*/false, /*dim=*/-1);
      return std::get<0>(order.narrow(-1, 0, samples).sort(-1));
    };
    const auto q_off = draw(), k_off = draw();
    ProbeRule rule;
    rule.fixed_sparsity = s.sparsity;
    r.probe_ms = median_ms(s.warmup, s.repeats, [&] { asa_probe_cuda(q, k, q_off, k_off, s.block_size, rule); });
  }
  if (s.dense_baseline) {
    r.dense_ms = median_ms(s.warmup, s.repeats, [&] { at::scaled_dot_product_attention(q, k, v); });
    r.dense_tflops = 4.0 * s.batch * s.heads * static_cast<double>(s.tokens) * s.tokens * s.dim / (r.dense_ms * 1e-3) / 1e12;
    if (s.backward) {
      torch::AutoGradMode grad_mode(true);
      const auto qg = q.detach().requires_grad_(true), kg = k.detach().requires_grad_(true),
                 vg = v.detach().requires_grad_(true);
      const auto grad = torch::randn(shape, options);
      const double both = median_ms(s.warmup, s.repeats, [&] {
        at::scaled_dot_product_attention(qg, kg, vg).backward(grad);
      });
      r.dense_backward_ms = both - r.dense_ms;
    }
  }
  return r;
}

}  // namespace blade::kernels
