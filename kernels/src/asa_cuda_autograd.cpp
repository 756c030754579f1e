// block_sparse_attention_cuda: the CUDA forward and backward behind a torch::autograd::Function.

#include "kernels/asa_cuda.h"

#include <torch/autograd.h>

namespace blade::kernels {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class SparseAttentionCudaFunction : public torch::autograd::Function<SparseAttentionCudaFunction> {
 public:
  // Without global tokens the global_* inputs are empty placeholders (autograd does not take
  // undefined inputs everywhere).
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& global_keys,
                               const torch::Tensor& global_values, const torch::Tensor& log_weight,
                               const torch::Tensor& offsets, const torch::Tensor& indices, int64_t block_size,
                               bool has_global, int64_t pool_group) {
    const GlobalTokenTensors global = has_global ? GlobalTokenTensors{global_keys, global_values, log_weight, pool_group}
                                                 : GlobalTokenTensors{};
    auto result = block_sparse_forward_cuda(q, k, v, offsets, indices, block_size, global);
    ctx->save_for_backward({q, k, v, global_keys, global_values, log_weight, offsets, indices, result.out, result.lse});
    ctx->saved_data["block_size"] = block_size;
    ctx->saved_data["has_global"] = has_global;
    ctx->mark_non_differentiable({result.lse});
    return {result.out, result.lse};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const bool has_global = ctx->saved_data["has_global"].toBool();
    const GlobalTokenTensors global =
        has_global ? GlobalTokenTensors{saved[3], saved[4], saved[5]} : GlobalTokenTensors{};
    const auto grad_out = grads[0].defined() ? grads[0] : torch::zeros_like(saved[8]);
    auto g = block_sparse_backward_cuda(saved[0], saved[1], saved[2], saved[6], saved[7],
                                        ctx->saved_data["block_size"].toInt(), global, saved[8], saved[9], grad_out);
    return {g.dq, g.dk, g.dv, g.global_dk, g.global_dv, {}, {}, {}, {}, {}, {}};
  }
};

}  // namespace

SparseAttentionResult block_sparse_attention_cuda(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v, const torch::Tensor& offsets,
                                                  const torch::Tensor& indices, int64_t block_size,
                                                  const GlobalTokenTensors& global) {
  const auto placeholder = torch::empty({0}, q.options());
  const bool has_global = global.defined();
  auto results = SparseAttentionCudaFunction::apply(
      q, k, v, has_global ? global.keys : placeholder, has_global ? global.values : placeholder,
      has_global ? global.log_weight : placeholder, offsets, indices, block_size, has_global, global.pool_group);
  return {results[0], results[1]};
}

}  // namespace blade::kernels
