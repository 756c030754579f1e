#include "attention/asa_sparse_attention.h"

#include "core/error.h"
#include "core/log.h"

#include <torch/autograd.h>

#include <cmath>

#ifdef BLADE_HAVE_CUDA_KERNELS
#include "kernels/asa_cuda.h"
#endif

namespace blade::attention {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class BlockSparseAttentionFunction : public torch::autograd::Function<BlockSparseAttentionFunction> {
 public:
  // Without global tokens (plain ASA) global_keys / global_values / log_weight are empty
  // placeholders (autograd does not accept undefined inputs everywhere).
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& global_keys,
                               const torch::Tensor& global_values, const torch::Tensor& log_weight,
                               const torch::Tensor& offsets, const torch::Tensor& indices, int64_t block_size,
                               bool has_global) {
    const BlockIndex index{offsets, indices};
    GlobalTokens global{global_keys, global_values, log_weight};
    auto result = sparse_attention_forward_cpu(q, k, v, index, block_size, has_global ? &global : nullptr);
    ctx->save_for_backward({q, k, v, global_keys, global_values, log_weight, offsets, indices, result.out, result.lse});
    ctx->saved_data["block_size"] = block_size;
    ctx->saved_data["has_global"] = has_global;
    ctx->mark_non_differentiable({result.lse});
    return {result.out, result.lse};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const BlockIndex index{saved[6], saved[7]};
    GlobalTokens global{saved[3], saved[4], saved[5]};
    const bool has_global = ctx->saved_data["has_global"].toBool();
    auto grad_out = grads[0].defined() ? grads[0].contiguous() : torch::zeros_like(saved[8]);
    auto g = sparse_attention_backward_cpu(saved[0], saved[1], saved[2], index, ctx->saved_data["block_size"].toInt(),
                                           has_global ? &global : nullptr, saved[8], saved[9], grad_out);
    return {g.dq, g.dk, g.dv, g.global_dk, g.global_dv, {}, {}, {}, {}, {}};
  }
};

torch::ScalarType compute_dtype(const torch::Tensor& q) {
  return q.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

torch::Tensor to_compute(const torch::Tensor& x, torch::ScalarType dtype) {
  return x.to(torch::kCPU, dtype).contiguous();
}

}  // namespace

SparseAttentionOutput block_sparse_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                             const BlockIndex& index, int64_t block_size, const GlobalTokens* global) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (kernels::sparse_attention_supported(q, k, v, block_size)) {
    const auto gpu_global =
        global ? kernels::GlobalTokenTensors{global->keys, global->values, global->log_weight, global->pool_group}
               : kernels::GlobalTokenTensors{};
    auto gpu = kernels::block_sparse_attention_cuda(q, k, v, index.offsets, index.indices, block_size, gpu_global);
    return {gpu.out, gpu.lse};
  }
#endif
  if (q.is_cuda()) {
    static const bool warned = [&] {
      blade::log::get("attention")->warn("block-sparse attention on {} {} tensors (head dim {}, block {}) runs on the CPU: the CUDA "
                            "kernels take bfloat16/float16, head dims 64/128, blocks 64/128",
                            q.device().str(), c10::toString(q.scalar_type()), q.size(3), block_size);
      return true;
    }();
    (void)warned;
  }
  const auto dtype = compute_dtype(q);
  const auto placeholder = torch::empty({0}, torch::TensorOptions().dtype(dtype));
  torch::Tensor gk = placeholder, gv = placeholder, gw = placeholder;
  if (global) {
    gk = to_compute(global->keys, dtype);
    gv = to_compute(global->values, dtype);
    gw = to_compute(global->log_weight, dtype);
  }
  auto results = BlockSparseAttentionFunction::apply(to_compute(q, dtype), to_compute(k, dtype), to_compute(v, dtype),
                                                     gk, gv, gw, index.offsets.to(torch::kCPU, torch::kInt64).contiguous(),
                                                     index.indices.to(torch::kCPU, torch::kInt64).contiguous(), block_size,
                                                     global != nullptr);
  return {results[0].to(q.device(), q.scalar_type()), results[1].to(q.device())};
}

GlobalTokens pool_global_tokens(const torch::Tensor& k, const torch::Tensor& v, int64_t group) {
  if (group < 1) fail(ErrorKind::InvalidArgument, "ASA-GT pool_tokens must be positive, got {}", group);
  const int64_t tokens = k.size(2), full = tokens / group, tail = tokens % group;
  auto pool = [&](const torch::Tensor& x) {
    std::vector<torch::Tensor> parts;
    if (full > 0) {
      parts.push_back(x.narrow(2, 0, full * group).reshape({x.size(0), x.size(1), full, group, x.size(3)}).mean(3));
    }
    if (tail > 0) parts.push_back(x.narrow(2, full * group, tail).mean(2, true));
    return parts.size() == 1 ? parts.front() : torch::cat(parts, 2);
  };
  // At least float32: ln(30) in bfloat16 would be 3.406 instead of 3.401.
  const auto weight_dtype = k.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  auto weights = torch::full({full + (tail > 0 ? 1 : 0)}, std::log(static_cast<double>(group)),
                             k.options().dtype(weight_dtype).requires_grad(false));
  if (tail > 0) weights[full].fill_(std::log(static_cast<double>(tail)));
  return {pool(k), pool(v), weights, group};
}

}  // namespace blade::attention
