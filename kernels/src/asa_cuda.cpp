#include "kernels/asa_cuda.h"

#include "asa_cuda_checks.h"
#include "asa_launch.h"
#include "core/error.h"
#include "core/fused_kernels.h"
#include "core/tensor_format.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/cuda.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>

namespace blade::kernels {
namespace {

using detail::check_launch;
using detail::kernel_ready;

std::atomic<int> forward_key_tile{0};  // 0: the kernel's default for the shape
std::atomic<int> forward_kernel{0};    // detail::ForwardKernel
// 0: default, 1: fused single kernel, 2: split scores + selection, 3: split with the Hopper scores kernel
std::atomic<int> probe_variant{0};
std::atomic<int> backward_key_tile{0};  // 0: default; 64 or 128 keys per thread block

bool split_probe() { return probe_variant.load() != 1; }

int64_t blocks_of(int64_t tokens, int64_t block_size) { return (tokens + block_size - 1) / block_size; }

bool kernel_dtype(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kFloat16;
}

bool fits_int32(int64_t tokens) { return tokens < std::numeric_limits<int32_t>::max() / 2; }

void require_supported(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t block_size) {
  if (!sparse_attention_supported(q, k, v, block_size)) {
    fail(ErrorKind::InvalidArgument,
         "ASA CUDA kernels expect q [B, H, Lq, D], k and v [B, H, Lk, D] on one CUDA device, bfloat16 or float16, D 64 "
         "or 128, block size 64 or 128; got q {} {} on {}, k {}, v {}, block size {}",
         shape_string(q.sizes()), c10::toString(q.scalar_type()), q.device().str(), shape_string(k.sizes()),
         shape_string(v.sizes()), block_size);
  }
}

// The process-wide switches as one call reads them, once: a thread that changes them meanwhile
// affects the next call, not this one half-way.
struct ForwardChoice {
  detail::ForwardKernel kernel = detail::ForwardKernel::Auto;
  bool strided_operands = true;  // where the Hopper forward runs, it reads (and writes) strided views in place
};

ForwardChoice current_forward_choice() {
  return {static_cast<detail::ForwardKernel>(forward_kernel.load()), strided_attention_operands_enabled()};
}

// Whether the Hopper forward will run for this call (it needs query and key tokens).
bool hopper_forward_runs(const ForwardChoice& choice, const torch::Tensor& q, const torch::Tensor& k,
                         int64_t block_size) {
  return choice.kernel != detail::ForwardKernel::MmaSync && q.size(2) > 0 && k.size(2) > 0 &&
         detail::sm90_forward_applies(static_cast<int>(q.size(3)), static_cast<int>(block_size));
}

// The strides under which the Hopper forward reads (or writes) a [B, H, L, D] view in place: rows of
// D contiguous elements, (batch, head) slices one stride apart (any layout when B = 1, e.g. a linear
// layer's [1, L, H, D] output seen heads-first), 16-byte aligned. None: it needs a packed copy.
std::optional<detail::OperandStrides> in_place_strides(const torch::Tensor& t) {
  if (t.dim() != 4 || t.stride(3) != 1 || t.size(2) < 1) return std::nullopt;
  const int64_t token = t.size(2) == 1 ? t.size(3) : t.stride(2);
  int64_t bh = 0;
  if (t.size(0) == 1 && t.size(1) == 1) {
    bh = t.size(2) * token;
  } else if (t.size(0) == 1) {
    bh = t.stride(1);
  } else if (t.size(1) == 1 || t.stride(0) == t.size(1) * t.stride(1)) {
    bh = t.size(1) == 1 ? t.stride(0) : t.stride(1);
  } else {
    return std::nullopt;
  }
  if (bh <= 0 || token <= 0 || bh % 8 != 0 || token % 8 != 0 || reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 != 0) {
    return std::nullopt;
  }
  return detail::OperandStrides{bh, token};
}

// q, k or v as the kernel reads it: in place with its strides where the Hopper kernel runs, else packed.
torch::Tensor kernel_operand(const torch::Tensor& t, bool in_place_allowed, detail::OperandStrides& strides) {
  if (in_place_allowed && !t.is_contiguous()) {
    if (const auto in_place = in_place_strides(t)) {
      strides = *in_place;
      return t;
    }
  }
  strides = {};
  return kernel_ready(t);
}

struct PreparedGlobal {
  torch::Tensor keys, values, bias;
  int64_t count = 0;
  int64_t full_pools = -1;  // >= 0: bias is ln(pool_group) for these, ln(the rest) for a last shorter one
  float bias_full = 0.0f, bias_tail = 0.0f;
};

PreparedGlobal prepare_global(const GlobalTokenTensors& global, const torch::Tensor& q, int64_t key_tokens) {
  PreparedGlobal g;
  if (!global.defined()) return g;
  const auto& gk = global.keys;
  if (gk.dim() != 4 || gk.size(0) != q.size(0) || gk.size(1) != q.size(1) || gk.size(3) != q.size(3) ||
      !global.values.defined() || global.values.sizes() != gk.sizes() || !global.log_weight.defined() ||
      global.log_weight.numel() != gk.size(2)) {
    fail(ErrorKind::InvalidArgument, "ASA-GT global keys {} values {} weights {} do not fit q {}",
         shape_string(gk.sizes()), global.values.defined() ? shape_string(global.values.sizes()) : "(none)",
         global.log_weight.defined() ? shape_string(global.log_weight.sizes()) : "(none)", shape_string(q.sizes()));
  }
  g.keys = kernel_ready(gk.to(q.device(), q.scalar_type()));
  g.values = kernel_ready(global.values.to(q.device(), q.scalar_type()));
  g.bias = global.log_weight.to(q.device(), torch::kFloat32).contiguous().view({-1});
  g.count = gk.size(2);
  if (!fits_int32(g.count)) fail(ErrorKind::InvalidArgument, "ASA-GT: {} global tokens is too many", g.count);
  if (global.pool_group > 0) {
    const int64_t full = key_tokens / global.pool_group, tail = key_tokens % global.pool_group;
    if (full + (tail > 0 ? 1 : 0) != g.count) {
      fail(ErrorKind::InvalidArgument, "ASA-GT: {} keys in pools of {} make {} global tokens, but {} were given",
           key_tokens, global.pool_group, full + (tail > 0 ? 1 : 0), g.count);
    }
    g.full_pools = full;
    // The same float32 values as pool_global_tokens' log_weight.
    g.bias_full = static_cast<float>(std::log(static_cast<double>(global.pool_group)));
    g.bias_tail = tail > 0 ? static_cast<float>(std::log(static_cast<double>(tail))) : g.bias_full;
  }
  return g;
}

}  // namespace

void set_forward_key_tile(int keys) {
  if (keys != 0 && keys != 32 && keys != 64) {
    fail(ErrorKind::InvalidArgument, "forward key tile must be 0 (default), 32 or 64, got {}", keys);
  }
  forward_key_tile = keys;
}

void set_forward_kernel(int kernel) {
  if (kernel < 0 || kernel > 3) {
    fail(ErrorKind::InvalidArgument,
         "forward kernel must be 0 (default), 1 (mma.sync), 2 (Hopper) or 3 (Hopper, warpgroups taking turns), got {}",
         kernel);
  }
  forward_kernel = kernel;
}

bool hopper_forward_available(int64_t dim, int64_t block_size) {
  return torch::cuda::is_available() && detail::sm90_forward_applies(static_cast<int>(dim), static_cast<int>(block_size));
}

void set_backward_key_tile(int keys) {
  if (keys != 0 && keys != 64 && keys != 128) {
    fail(ErrorKind::InvalidArgument, "backward key tile must be 0 (default), 64 or 128, got {}", keys);
  }
  backward_key_tile = keys;
}

void set_probe_variant(int variant) {
  if (variant < 0 || variant > 3) {
    fail(ErrorKind::InvalidArgument,
         "probe variant must be 0 (default), 1 (fused), 2 (split) or 3 (split, Hopper scores), got {}", variant);
  }
  probe_variant = variant;
}

bool sparse_attention_supported(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                int64_t block_size) {
  if (!q.defined() || !k.defined() || !v.defined()) return false;
  if (!q.is_cuda() || k.device() != q.device() || v.device() != q.device()) return false;
  if (!kernel_dtype(q) || k.scalar_type() != q.scalar_type() || v.scalar_type() != q.scalar_type()) return false;
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || k.sizes() != v.sizes() || q.size(0) != k.size(0) ||
      q.size(1) != k.size(1) || q.size(3) != k.size(3)) {
    return false;
  }
  return (q.size(3) == 64 || q.size(3) == 128) && (block_size == 64 || block_size == 128) && fits_int32(q.size(2)) &&
         fits_int32(k.size(2));
}

namespace {

void forward_into(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in,
                  const torch::Tensor& offsets, const torch::Tensor& indices, int64_t block_size,
                  const GlobalTokenTensors& global, torch::Tensor& out, torch::Tensor& lse, const ForwardChoice& choice) {
  detail::SparseForwardParams p;
  // (Without query or key tokens the Hopper kernel does not run: everything is packed for the other one.)
  const bool hopper = hopper_forward_runs(choice, q_in, k_in, block_size);
  const bool in_place = hopper && choice.strided_operands;
  const auto q = kernel_operand(q_in, in_place, p.q_strides), k = kernel_operand(k_in, in_place, p.k_strides);
  const auto v = kernel_operand(v_in, in_place, p.v_strides);
  const int64_t bh = q.size(0) * q.size(1), query_blocks = blocks_of(q.size(2), block_size);
  const int64_t key_blocks = blocks_of(k.size(2), block_size);
  const auto index = detail::device_index(offsets, indices, bh * query_blocks, key_blocks, q.device());
  const auto g = prepare_global(global, q, k.size(2));
  const auto out_in_place = out.is_contiguous() || !hopper || !out.is_non_overlapping_and_dense()
                                ? std::nullopt
                                : in_place_strides(out);
  if (out.sizes() != q.sizes() || out.scalar_type() != q.scalar_type() || out.device() != q.device() ||
      !(out.is_contiguous() || out_in_place) || lse.dim() != 3 || lse.sizes() != q.sizes().slice(0, 3) ||
      lse.scalar_type() != torch::kFloat32 || lse.device() != q.device() || !lse.is_contiguous()) {
    fail(ErrorKind::Internal, "block-sparse forward: output buffers {} / {} do not fit q {}", shape_string(out.sizes()),
         shape_string(lse.sizes()), shape_string(q.sizes()));
  }
  if (reinterpret_cast<uintptr_t>(out.data_ptr()) % 4 != 0) {
    fail(ErrorKind::Internal, "block-sparse forward: the output buffer is not 4-byte aligned");
  }
  if (out_in_place) p.out_strides = *out_in_place;

  p.q = q.data_ptr();
  p.k = k.data_ptr();
  p.v = v.data_ptr();
  p.out = out.data_ptr();
  p.lse = lse.data_ptr<float>();
  p.offsets = index.offsets.data_ptr<int64_t>();
  p.indices = index.indices.data_ptr<int64_t>();
  if (g.count > 0) {
    p.global_k = g.keys.data_ptr();
    p.global_v = g.values.data_ptr();
    p.global_bias = g.bias.data_ptr<float>();
    p.global_full_tokens = static_cast<int>(g.full_pools);
    p.global_bias_full = g.bias_full;
    p.global_bias_tail = g.bias_tail;
  }
  p.bh = bh;
  p.query_tokens = static_cast<int>(q.size(2));
  p.key_tokens = static_cast<int>(k.size(2));
  p.global_tokens = static_cast<int>(g.count);
  p.query_blocks = static_cast<int>(query_blocks);
  p.key_blocks = static_cast<int>(key_blocks);
  p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(q.size(3))));
  p.key_tile = forward_key_tile.load();
  p.kernel = choice.kernel;
  check_launch(detail::launch_sparse_forward(p, detail::element_type(q), static_cast<int>(q.size(3)),
                                             static_cast<int>(block_size), at::cuda::getCurrentCUDAStream()),
               "block-sparse attention forward");
}

}  // namespace

void block_sparse_forward_cuda_into(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    const torch::Tensor& offsets, const torch::Tensor& indices, int64_t block_size,
                                    const GlobalTokenTensors& global, torch::Tensor& out, torch::Tensor& lse) {
  require_supported(q, k, v, block_size);
  const c10::cuda::CUDAGuard guard(q.device());
  forward_into(q, k, v, offsets, indices, block_size, global, out, lse, current_forward_choice());
}

SparseAttentionResult block_sparse_forward_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                                const torch::Tensor& offsets, const torch::Tensor& indices,
                                                int64_t block_size, const GlobalTokenTensors& global) {
  require_supported(q, k, v, block_size);
  const c10::cuda::CUDAGuard guard(q.device());
  const ForwardChoice choice = current_forward_choice();
  SparseAttentionResult r;
  if (q.size(0) == 1 && hopper_forward_runs(choice, q, k, block_size) && choice.strided_operands) {
    // Written [1, Lq, H, D] under the [1, H, Lq, D] view, so merging the heads afterwards is free.
    r.out = torch::empty({1, q.size(2), q.size(1), q.size(3)}, q.options()).transpose(1, 2);
  } else {
    r.out = torch::empty(q.sizes(), q.options().memory_format(torch::MemoryFormat::Contiguous));
  }
  r.lse = torch::empty({q.size(0), q.size(1), q.size(2)}, q.options().dtype(torch::kFloat32));
  forward_into(q, k, v, offsets, indices, block_size, global, r.out, r.lse, choice);
  return r;
}

SparseAttentionGradients block_sparse_backward_cuda(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                                    const torch::Tensor& v_in, const torch::Tensor& offsets,
                                                    const torch::Tensor& indices, int64_t block_size,
                                                    const GlobalTokenTensors& global, const torch::Tensor& out,
                                                    const torch::Tensor& lse, const torch::Tensor& grad_out) {
  require_supported(q_in, k_in, v_in, block_size);
  const c10::cuda::CUDAGuard guard(q_in.device());
  const auto q = kernel_ready(q_in), k = kernel_ready(k_in), v = kernel_ready(v_in);
  if (out.sizes() != q.sizes() || grad_out.sizes() != q.sizes() || lse.sizes() != q.sizes().slice(0, 3)) {
    fail(ErrorKind::Internal, "block-sparse backward: out {}, grad {} or lse {} do not fit q {}",
         shape_string(out.sizes()), shape_string(grad_out.sizes()), shape_string(lse.sizes()), shape_string(q.sizes()));
  }
  const int64_t bh = q.size(0) * q.size(1), query_blocks = blocks_of(q.size(2), block_size);
  const int64_t key_blocks = blocks_of(k.size(2), block_size);
  const auto index = detail::device_index(offsets, indices, bh * query_blocks, key_blocks, q.device());
  const auto g = prepare_global(global, q, k.size(2));
  const auto dout = kernel_ready(grad_out.to(q.device(), q.scalar_type()));
  const auto lse32 = lse.to(q.device(), torch::kFloat32).contiguous();
  const auto delta = (dout.to(torch::kFloat32) * out.to(q.device(), torch::kFloat32)).sum(-1).contiguous();
  const auto stream = at::cuda::getCurrentCUDAStream();

  // Which query blocks attend each key block.
  const auto int32 = q.options().dtype(torch::kInt32);
  auto key_row_queries = torch::empty({bh * key_blocks, query_blocks}, int32);
  auto key_row_counts = torch::empty({bh * key_blocks}, int32);
  detail::TransposeIndexParams tp;
  tp.offsets = index.offsets.data_ptr<int64_t>();
  tp.indices = index.indices.data_ptr<int64_t>();
  tp.key_row_queries = key_row_queries.data_ptr<int32_t>();
  tp.key_row_counts = key_row_counts.data_ptr<int32_t>();
  tp.bh = bh;
  tp.query_blocks = static_cast<int>(query_blocks);
  tp.key_blocks = static_cast<int>(key_blocks);
  check_launch(detail::launch_transpose_index(tp, stream), "block-sparse attention backward (index transpose)");

  auto grad_q = torch::zeros(q.sizes(), q.options().dtype(torch::kFloat32));
  SparseAttentionGradients grads;
  grads.dk = torch::empty_like(k);
  grads.dv = torch::empty_like(v);
  detail::SparseBackwardParams p;
  p.q = q.data_ptr();
  p.k = k.data_ptr();
  p.v = v.data_ptr();
  p.grad_out = dout.data_ptr();
  p.lse = lse32.data_ptr<float>();
  p.delta = delta.data_ptr<float>();
  p.grad_q = grad_q.data_ptr<float>();
  p.grad_k = grads.dk.data_ptr();
  p.grad_v = grads.dv.data_ptr();
  if (g.count > 0) {
    grads.global_dk = torch::empty_like(g.keys);
    grads.global_dv = torch::empty_like(g.values);
    p.global_k = g.keys.data_ptr();
    p.global_v = g.values.data_ptr();
    p.global_bias = g.bias.data_ptr<float>();
    p.grad_global_k = grads.global_dk.data_ptr();
    p.grad_global_v = grads.global_dv.data_ptr();
  }
  p.key_row_queries = key_row_queries.data_ptr<int32_t>();
  p.key_row_counts = key_row_counts.data_ptr<int32_t>();
  p.bh = bh;
  p.query_tokens = static_cast<int>(q.size(2));
  p.key_tokens = static_cast<int>(k.size(2));
  p.global_tokens = static_cast<int>(g.count);
  p.query_blocks = static_cast<int>(query_blocks);
  p.key_blocks = static_cast<int>(key_blocks);
  p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(q.size(3))));
  p.key_tile = backward_key_tile.load();
  check_launch(detail::launch_sparse_backward(p, detail::element_type(q), static_cast<int>(q.size(3)),
                                              static_cast<int>(block_size), stream),
               "block-sparse attention backward");
  grads.dq = grad_q.to(q.scalar_type());
  if (g.count > 0) {
    // Back to the dtype the caller's global tokens came in.
    grads.global_dk = grads.global_dk.to(global.keys.scalar_type());
    grads.global_dv = grads.global_dv.to(global.values.scalar_type());
  }
  return grads;
}

bool probe_supported(const torch::Tensor& q, const torch::Tensor& k, int64_t block_size, int64_t samples) {
  if (!q.defined() || !k.defined() || !q.is_cuda() || k.device() != q.device() || !kernel_dtype(q) ||
      k.scalar_type() != q.scalar_type() || q.dim() != 4 || k.dim() != 4 || q.size(0) != k.size(0) ||
      q.size(1) != k.size(1) || q.size(3) != k.size(3) || (q.size(3) != 64 && q.size(3) != 128) || block_size < 1 ||
      !fits_int32(q.size(2)) || !fits_int32(k.size(2)) || q.size(2) == 0 || k.size(2) == 0) {
    return false;
  }
  const int64_t used = std::min(samples, block_size);
  int max_shared = 0;
  if (cudaDeviceGetAttribute(&max_shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, q.device().index()) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return detail::probe_fits(static_cast<int>(used), static_cast<int>(blocks_of(k.size(2), block_size)),
                            static_cast<int>(q.size(3)), max_shared, split_probe());
}

namespace {

ProbeOutput run_probe_kernel(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& query_offsets,
                             const torch::Tensor& key_offsets, int64_t block_size, const ProbeRule* rule,
                             bool want_keep_mask) {
  const int64_t samples = query_offsets.dim() == 3 ? query_offsets.size(2) : 0;
  if (!probe_supported(q_in, k_in, block_size, samples) || query_offsets.dim() != 3 ||
      query_offsets.size(0) != q_in.size(0) || query_offsets.size(1) != q_in.size(1) ||
      key_offsets.sizes() != query_offsets.sizes() || samples < 1 || samples > block_size) {
    fail(ErrorKind::InvalidArgument,
         "ASA CUDA probe expects q, k [B, H, L, D] (CUDA bfloat16/float16, D 64 or 128) and sample offsets [B, H, 1..32]; "
         "got q {} k {} offsets {} / {}, block size {}",
         shape_string(q_in.sizes()), shape_string(k_in.sizes()), shape_string(query_offsets.sizes()),
         shape_string(key_offsets.sizes()), block_size);
  }
  const c10::cuda::CUDAGuard guard(q_in.device());
  const auto q = kernel_ready(q_in), k = kernel_ready(k_in);
  const auto q_off = query_offsets.to(q.device(), torch::kInt64).contiguous();
  const auto k_off = key_offsets.to(q.device(), torch::kInt64).contiguous();
  const int64_t bh = q.size(0) * q.size(1), query_blocks = blocks_of(q.size(2), block_size);
  const int64_t key_blocks = blocks_of(k.size(2), block_size), rows = bh * query_blocks;

  detail::ProbeParams p;
  p.q = q.data_ptr();
  p.k = k.data_ptr();
  p.query_offsets = q_off.data_ptr<int64_t>();
  p.key_offsets = k_off.data_ptr<int64_t>();
  ProbeOutput result;
  result.scores = torch::empty({q.size(0), q.size(1), query_blocks, key_blocks}, q.options().dtype(torch::kFloat32));
  p.scores = result.scores.data_ptr<float>();
  p.bh = bh;
  p.query_tokens = static_cast<int>(q.size(2));
  p.key_tokens = static_cast<int>(k.size(2));
  p.block_size = static_cast<int>(block_size);
  p.samples = static_cast<int>(samples);
  p.query_blocks = static_cast<int>(query_blocks);
  p.key_blocks = static_cast<int>(key_blocks);
  p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(q.size(3))));

  torch::Tensor padded, counts;
  int64_t capacity = 0;
  p.select = rule != nullptr;
  if (rule) {
    const auto n = static_cast<double>(key_blocks);
    if (rule->fixed_sparsity) {
      const double s = *rule->fixed_sparsity;
      if (!(s >= 0.0 && s < 1.0)) fail(ErrorKind::InvalidArgument, "ASA fixed_sparsity must be in [0, 1), got {}", s);
      // As kept_block_count: the slack keeps exact products such as (1 - 0.9) * 10 at 1.
      capacity = std::clamp<int64_t>(static_cast<int64_t>(std::ceil((1.0 - s) * n - 1e-9)), 1, key_blocks);
      p.fixed_keep = static_cast<int>(capacity);
    } else {
      const auto lower = std::max<int64_t>(1, static_cast<int64_t>(std::floor(n * rule->min_keep)));
      const auto upper = std::max<int64_t>(1, static_cast<int64_t>(std::floor(n * rule->max_keep)));
      capacity = upper;  // min(max(count, lower), upper) never exceeds upper
      p.tau = rule->tau;
      p.drop_one = rule->drop_one ? 1 : 0;
      p.min_keep = static_cast<int>(lower);
      p.max_keep = static_cast<int>(upper);
    }
    padded = torch::empty({rows, capacity}, q.options().dtype(torch::kInt64));
    counts = torch::empty({rows}, q.options().dtype(torch::kInt64));
    p.kept = padded.data_ptr<int64_t>();
    p.kept_counts = counts.data_ptr<int64_t>();
    p.capacity = static_cast<int>(capacity);
    if (want_keep_mask) {
      result.keep = torch::empty({q.size(0), q.size(1), query_blocks, key_blocks}, q.options().dtype(torch::kBool));
      p.keep_mask = result.keep.data_ptr<bool>();
    }
  }
  torch::Tensor scratch;
  if (split_probe()) {
    scratch = torch::empty({static_cast<int64_t>(detail::probe_scratch_floats(p.samples, rows, p.key_blocks))},
                           q.options().dtype(torch::kFloat32));
    p.r_scratch = scratch.data_ptr<float>();
    const int variant = probe_variant.load();
    p.sm90_scores = (variant == 0 || variant == 3) &&
                    detail::sm90_probe_scores_applies(p.samples, static_cast<int>(q.size(3)));
  }
  int max_shared = 0;
  cudaDeviceGetAttribute(&max_shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, q.device().index());
  const auto stream = at::cuda::getCurrentCUDAStream();
  check_launch(detail::launch_probe(p, detail::element_type(q), static_cast<int>(q.size(3)), max_shared, stream),
               "ASA probe");
  if (!rule) return result;

  result.offsets = torch::zeros({rows + 1}, q.options().dtype(torch::kInt64));
  result.offsets.narrow(0, 1, rows).copy_(counts.cumsum(0));
  if (rule->fixed_sparsity) {
    result.indices = padded.view({-1});  // every row holds exactly `capacity` blocks
  } else {
    result.indices = torch::empty({rows * capacity}, q.options().dtype(torch::kInt64));
    detail::CompactIndexParams cp;
    cp.padded = padded.data_ptr<int64_t>();
    cp.offsets = result.offsets.data_ptr<int64_t>();
    cp.indices = result.indices.data_ptr<int64_t>();
    cp.rows = rows;
    cp.capacity = static_cast<int>(capacity);
    check_launch(detail::launch_compact_index(cp, stream), "ASA probe (index compaction)");
  }
  return result;
}

}  // namespace

ProbeOutput asa_probe_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& query_offsets,
                           const torch::Tensor& key_offsets, int64_t block_size, const ProbeRule& rule,
                           bool want_keep_mask) {
  return run_probe_kernel(q, k, query_offsets, key_offsets, block_size, &rule, want_keep_mask);
}

torch::Tensor probe_scores_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& query_offsets,
                                const torch::Tensor& key_offsets, int64_t block_size) {
  return run_probe_kernel(q, k, query_offsets, key_offsets, block_size, nullptr, false).scores;
}

}  // namespace blade::kernels
