// Gradients of the CUDA block-sparse attention (autograd function) equal float64 autograd of the
// masked reference, for plain ASA and ASA-GT (gradients to the global keys and values too), and
// through the engine's dispatch with its differentiable pooling. Freed GPU memory is poisoned with
// NaN before each run, so a gradient element the kernels fail to write shows up.

#include "../asa/asa_reference.h"
#include "attention/asa_sparse_attention.h"
#include "cuda_asa_util.h"
#include "kernels/asa_cuda.h"
#include "kernels/asa_cuda_bench.h"
#include "test_tensors.h"

#include <fmt/format.h>

#include <random>

using namespace blade;
using attention::BlockMask;

namespace {

// Gradient tolerance: dS and P enter the products in 16 bits.
double gradient_tolerance(torch::Dtype dtype) { return dtype == torch::kBFloat16 ? 2e-2 : 5e-3; }

struct Case {
  torch::Dtype dtype = torch::kBFloat16;
  int64_t dim = 64, block = 64, batch = 2, heads = 2, lq = 300, lk = 300;
  double density = 0.4;
  int64_t global = 0;  // > 0: this many global tokens (random leaves with bias ln 30)
};

std::string describe(const Case& c) {
  return fmt::format("{} D{} block{} B{} H{} Lq{} Lk{} density {} global {}", test::dtype_label(c.dtype), c.dim,
                     c.block, c.batch, c.heads, c.lq, c.lk, c.density, c.global);
}

torch::Tensor leaf(const std::vector<int64_t>& shape, const torch::TensorOptions& options) {
  return torch::randn(shape, options).requires_grad_(true);
}

torch::Tensor reference_leaf(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, torch::kFloat64).requires_grad_(true);
}

void check_gradient(const std::string& what, const Case& c, const torch::Tensor& actual, const torch::Tensor& expected) {
  const bool defined = actual.defined();
  const double error = defined ? test::relative_error(actual, expected) : INFINITY;
  fmt::print("{:<60} {:<4} rel {:.2e}\n", describe(c), what, error);
  BLADE_CHECK(error <= gradient_tolerance(c.dtype), "{}: {} rel. error {}", describe(c), what, error);
}

void run_case(const Case& c) {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(c.dtype);
  auto q = leaf({c.batch, c.heads, c.lq, c.dim}, options);
  auto k = leaf({c.batch, c.heads, c.lk, c.dim}, options);
  auto v = leaf({c.batch, c.heads, c.lk, c.dim}, options);
  const int64_t nq = (c.lq + c.block - 1) / c.block, nk = (c.lk + c.block - 1) / c.block;
  const BlockMask mask = test::random_block_mask(c.batch, c.heads, nq, nk, c.density);
  const auto index = mask.to_index();
  kernels::GlobalTokenTensors global;
  if (c.global > 0) {
    global.keys = leaf({c.batch, c.heads, c.global, c.dim}, options);
    global.values = leaf({c.batch, c.heads, c.global, c.dim}, options);
    global.log_weight = torch::full({c.global}, std::log(30.0), torch::kFloat64);
  }
  const auto grad_out = torch::randn({c.batch, c.heads, c.lq, c.dim}, options);

  test::poison_allocator();
  auto result = kernels::block_sparse_attention_cuda(q, k, v, index.offsets, index.indices, c.block, global);
  result.out.backward(grad_out);
  torch::cuda::synchronize();

  auto q64 = reference_leaf(q), k64 = reference_leaf(k), v64 = reference_leaf(v);
  torch::Tensor gk64, gv64;
  const auto visible = test::token_mask(mask, c.lq, c.lk, c.block);
  test::ReferenceOutput ref;
  if (c.global > 0) {
    gk64 = reference_leaf(global.keys);
    gv64 = reference_leaf(global.values);
    ref = test::masked_attention_reference(q64, k64, v64, visible, gk64, gv64, global.log_weight);
  } else {
    ref = test::masked_attention_reference(q64, k64, v64, visible);
  }
  ref.out.backward(grad_out.to(torch::kCPU, torch::kFloat64));

  const double out_error = test::relative_error(result.out, ref.out);
  BLADE_CHECK(out_error <= test::tolerance(c.dtype), "{}: output rel. error {}", describe(c), out_error);
  check_gradient("dq", c, q.grad(), q64.grad());
  check_gradient("dk", c, k.grad(), k64.grad());
  check_gradient("dv", c, v.grad(), v64.grad());
  if (c.global > 0) {
    check_gradient("dgk", c, global.keys.grad(), gk64.grad());
    check_gradient("dgv", c, global.values.grad(), gv64.grad());
  }
}

// Through attention::block_sparse_attention with pool_global_tokens (ASA-GT as the engine runs it):
// the gradients reach k and v through the pooling too.
void engine_case(torch::Dtype dtype) {
  Case c;
  c.dtype = dtype;
  c.dim = 128;
  c.block = 128;
  c.batch = 1;
  c.heads = 3;
  c.lq = c.lk = 400;
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
  auto q = leaf({c.batch, c.heads, c.lq, c.dim}, options);
  auto k = leaf({c.batch, c.heads, c.lk, c.dim}, options);
  auto v = leaf({c.batch, c.heads, c.lk, c.dim}, options);
  const int64_t n = (c.lq + c.block - 1) / c.block;
  const BlockMask mask = test::random_block_mask(c.batch, c.heads, n, n, c.density);
  const auto grad_out = torch::randn({c.batch, c.heads, c.lq, c.dim}, options);
  test::poison_allocator();
  const auto global = attention::pool_global_tokens(k, v, 30);
  auto result = attention::block_sparse_attention(q, k, v, mask.to_index(), c.block, &global);
  result.out.backward(grad_out);
  torch::cuda::synchronize();

  auto q64 = reference_leaf(q), k64 = reference_leaf(k), v64 = reference_leaf(v);
  // The engine pools in the inputs' dtype and rounds ln(n) to it: the reference takes that bias.
  const auto ref = test::masked_attention_reference(q64, k64, v64, test::token_mask(mask, c.lq, c.lk, c.block),
                                                    test::pool_reference(k64, 30), test::pool_reference(v64, 30),
                                                    global.log_weight.to(torch::kCPU, torch::kFloat64));
  ref.out.backward(grad_out.to(torch::kCPU, torch::kFloat64));
  fmt::print("engine dispatch ASA-GT ({}):\n", test::dtype_label(dtype));
  check_gradient("dq", c, q.grad(), q64.grad());
  check_gradient("dk", c, k.grad(), k64.grad());
  check_gradient("dv", c, v.grad(), v64.grad());
}

}  // namespace

int main() {
  if (!test::require_cuda()) return test::exit_code();
  torch::manual_seed(static_cast<uint64_t>(std::random_device{}()));
  // Both thread-block widths of the backward (128 keys applies to block size 128).
  for (int keys : {64, 128}) {
    kernels::set_backward_key_tile(keys);
    fmt::print("backward keys per thread block {}\n", keys);
    for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
      for (int64_t dim : {64, 128}) {
        for (int64_t block : {64, 128}) {
          Case c;
          c.dtype = dtype;
          c.dim = dim;
          c.block = block;
          run_case(c);
          c.lq = 170;
          c.lk = 390;
          c.global = 45;
          run_case(c);
        }
      }
    }
    Case dense;
    dense.dim = 128;
    dense.block = 128;
    dense.density = 1.0;
    dense.heads = 5;
    run_case(dense);
    for (auto dtype : {torch::kBFloat16, torch::kFloat16}) engine_case(dtype);
  }
  kernels::set_backward_key_tile(0);
  return test::exit_code();
}
