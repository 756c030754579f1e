// The CUDA block-sparse forward equals float64 masked attention: keep-all masks give dense
// attention, random masks the masked softmax, ASA-GT the softmax over [kept tiles ; pooled tokens]
// with the ln(n) bias; LSE included. Every output is poisoned with NaN before the run.

#include "../asa/asa_reference.h"
#include "attention/asa_sparse_attention.h"
#include "core/error.h"
#include "cuda_asa_util.h"
#include "kernels/asa_cuda.h"
#include "kernels/asa_cuda_bench.h"
#include "test_tensors.h"

#include <ATen/cuda/CUDAContext.h>
#include <fmt/format.h>

#include <initializer_list>
#include <random>
#include <string>
#include <vector>

using namespace blade;
using attention::BlockMask;

namespace {

struct Case {
  torch::Dtype dtype = torch::kBFloat16;
  int64_t dim = 64, block = 64, batch = 2, heads = 3, lq = 333, lk = 333;
  double density = 1.0;   // >= 1: keep every block
  int64_t pool = 0;       // > 0: ASA-GT with this many tokens per global token
  bool empty_row = false; // drop every block of row (0, 0, 0)
};

std::string describe(const Case& c) {
  return fmt::format("{} D{} block{} B{} H{} Lq{} Lk{} density {} pool {}{}", test::dtype_label(c.dtype), c.dim, c.block,
                     c.batch, c.heads, c.lq, c.lk, c.density, c.pool, c.empty_row ? " empty row" : "");
}

void run_case(const Case& c) {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(c.dtype);
  const auto q = torch::randn({c.batch, c.heads, c.lq, c.dim}, options);
  const auto k = torch::randn({c.batch, c.heads, c.lk, c.dim}, options);
  const auto v = torch::randn({c.batch, c.heads, c.lk, c.dim}, options);
  const int64_t nq = (c.lq + c.block - 1) / c.block, nk = (c.lk + c.block - 1) / c.block;
  BlockMask mask = c.density >= 1.0 ? BlockMask::all_kept(c.batch, c.heads, nq, nk)
                                    : test::random_block_mask(c.batch, c.heads, nq, nk, c.density);
  if (c.empty_row) {
    for (int64_t kb = 0; kb < nk; ++kb) mask.set(0, 0, 0, kb, false);
  }
  const auto index = mask.to_index();

  kernels::GlobalTokenTensors global;
  if (c.pool > 0) {
    global.keys = test::pool_reference(k.cpu(), c.pool).to(torch::kCUDA, c.dtype);
    global.values = test::pool_reference(v.cpu(), c.pool).to(torch::kCUDA, c.dtype);
    global.log_weight = test::pool_log_weight_reference(c.lk, c.pool);
  }

  const auto visible = test::token_mask(mask, c.lq, c.lk, c.block);
  const auto ref = c.pool > 0 ? test::masked_attention_reference(q.cpu(), k.cpu(), v.cpu(), visible, global.keys.cpu(),
                                                                 global.values.cpu(), global.log_weight)
                              : test::masked_attention_reference(q.cpu(), k.cpu(), v.cpu(), visible);
  // ASA-GT twice: the bias read from log_weight, and worked out from the pool layout.
  for (const int64_t pool_group : c.pool > 0 ? std::vector<int64_t>{0, c.pool} : std::vector<int64_t>{0}) {
    global.pool_group = pool_group;
    const std::string label = describe(c) + (pool_group > 0 ? " pool layout" : "");
    auto out = torch::full_like(q, NAN);
    auto lse = torch::full({c.batch, c.heads, c.lq}, NAN, options.dtype(torch::kFloat32));
    kernels::block_sparse_forward_cuda_into(q, k, v, index.offsets, index.indices, c.block, global, out, lse);
    torch::cuda::synchronize();

    auto out_cpu = out.cpu(), lse_cpu = lse.cpu();
    auto ref_out = ref.out.clone(), ref_lse = ref.lse.clone();
    if (c.empty_row && c.pool == 0) {
      // The first query block of (0, 0) attends nothing: output 0 and LSE -inf, where the reference
      // has no value; those rows are then set equal on both sides.
      const int64_t rows = std::min(c.block, c.lq);
      const auto empty_out = out_cpu[0][0].narrow(0, 0, rows);
      const auto empty_lse = lse_cpu[0][0].narrow(0, 0, rows);
      BLADE_CHECK(empty_out.eq(0).all().item<bool>(), "{}: a row attending nothing must give 0", label);
      BLADE_CHECK(torch::isneginf(empty_lse).all().item<bool>(), "{}: a row attending nothing must give LSE -inf",
                  label);
      ref_out[0][0].narrow(0, 0, rows).zero_();
      ref_lse[0][0].narrow(0, 0, rows).zero_();
      lse_cpu[0][0].narrow(0, 0, rows).zero_();
    }
    const double out_error = test::relative_error(out_cpu, ref_out);
    const bool lse_finite = test::all_finite(lse_cpu);
    const double lse_error = lse_finite ? test::max_abs_difference(lse_cpu, ref_lse) : INFINITY;
    fmt::print("{:<70} out rel {:.2e}  lse max abs {:.2e}\n", label, out_error, lse_error);
    BLADE_CHECK(out_error <= test::tolerance(c.dtype), "{}: output rel. error {}", label, out_error);
    BLADE_CHECK(lse_error <= 1e-3, "{}: LSE max abs error {}", label, lse_error);
  }
}

// Every dtype, head dim and block size: keep-all, random masks, Lq != Lk, ASA-GT, an empty row.
void run_shape_matrix(std::initializer_list<int64_t> blocks) {
  for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
    for (int64_t dim : {64, 128}) {
      for (int64_t block : blocks) {
        Case c;
        c.dtype = dtype;
        c.dim = dim;
        c.block = block;
        run_case(c);  // keep all = dense
        c.density = 0.35;
        run_case(c);
        c.lq = 190;
        c.lk = 450;
        run_case(c);
        c.lq = c.lk = 333;
        c.pool = block == 64 ? 7 : 30;  // 333 = 47 * 7 + 4 and 11 * 30 + 3: a shorter tail group
        run_case(c);
        c.pool = 0;
        c.empty_row = true;
        run_case(c);
      }
    }
  }
}

// Row lengths that take the Hopper kernel's ring of three stages through every phase (1 to 7 key
// tiles, then several global tiles), a sequence shorter than one block, and a row whose only keys
// are the global tokens.
void run_tile_count_cases() {
  for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
    for (int64_t dim : {64, 128}) {
      Case c;
      c.dtype = dtype;
      c.dim = dim;
      c.block = 128;
      c.batch = 1;
      c.heads = 2;
      c.lq = 200;
      for (int64_t tiles = 1; tiles <= 7; ++tiles) {
        c.lk = 128 * tiles;
        run_case(c);  // keep all: every row visits `tiles` tiles
      }
      c.lk = 600;
      c.pool = 2;  // 300 global tokens: three global tiles, the last one partial
      c.density = 0.5;
      run_case(c);
      c.lk = 601;  // 301: two full pooled tiles on the fast path, then a partial one with the tail pool
      run_case(c);
      c.lq = c.lk = 100;
      c.pool = 0;
      c.density = 1.0;
      run_case(c);
      c.lq = c.lk = 333;
      c.pool = 30;
      c.density = 0.35;
      c.empty_row = true;
      run_case(c);
    }
  }
}

// The engine's block_sparse_attention dispatches CUDA tensors to the kernels (with the engine's
// own pooled global tokens).
void engine_dispatch_case(torch::Dtype dtype, int64_t pool) {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
  const int64_t batch = 1, heads = 4, tokens = 500, dim = 128, block = 128;
  const auto q = torch::randn({batch, heads, tokens, dim}, options);
  const auto k = torch::randn({batch, heads, tokens, dim}, options);
  const auto v = torch::randn({batch, heads, tokens, dim}, options);
  const int64_t n = (tokens + block - 1) / block;
  const auto mask = test::random_block_mask(batch, heads, n, n, 0.4);
  attention::GlobalTokens global;
  if (pool > 0) global = attention::pool_global_tokens(k, v, pool);
  BLADE_CHECK(global.pool_group == pool, "pool_global_tokens must declare its pool layout ({}), got {}", pool,
              global.pool_group);
  const auto result = attention::block_sparse_attention(q, k, v, mask.to_index(), block, pool > 0 ? &global : nullptr);
  torch::cuda::synchronize();
  const auto visible = test::token_mask(mask, tokens, tokens, block);
  const auto ref = pool > 0 ? test::masked_attention_reference(q.cpu(), k.cpu(), v.cpu(), visible, global.keys.cpu(),
                                                               global.values.cpu(), global.log_weight.cpu())
                            : test::masked_attention_reference(q.cpu(), k.cpu(), v.cpu(), visible);
  const double error = test::relative_error(result.out, ref.out);
  fmt::print("engine dispatch {} pool {}: on {} out rel {:.2e}\n", test::dtype_label(dtype), pool,
             result.out.device().str(), error);
  BLADE_CHECK(result.out.is_cuda() && result.lse.is_cuda(), "the dispatch must keep the result on the GPU");
  BLADE_CHECK(error <= test::tolerance(dtype), "engine dispatch {} pool {}: rel. error {}", test::dtype_label(dtype),
              pool, error);
}

// Inputs that are not 16-byte aligned (a contiguous view 2 bytes into its storage), which the
// kernels' vector loads and TMA copies cannot take: the wrapper copies them, and the result is exact.
void misaligned_inputs_case() {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kBFloat16);
  const int64_t heads = 2, tokens = 300, dim = 128, block = 128;
  const auto storage = torch::randn({heads * tokens * dim + 1}, options);
  const auto q = storage.narrow(0, 1, heads * tokens * dim).view({1, heads, tokens, dim});
  const auto k = torch::randn({1, heads, tokens, dim}, options), v = torch::randn({1, heads, tokens, dim}, options);
  BLADE_CHECK(q.is_contiguous() && reinterpret_cast<uintptr_t>(q.data_ptr()) % 16 != 0, "the test needs a misaligned q");
  const int64_t n = (tokens + block - 1) / block;
  const auto mask = test::random_block_mask(1, heads, n, n, 0.6);
  const auto index = mask.to_index();
  const auto result = kernels::block_sparse_forward_cuda(q, k, v, index.offsets, index.indices, block, {});
  const auto ref = test::masked_attention_reference(q.cpu(), k.cpu(), v.cpu(), test::token_mask(mask, tokens, tokens, block));
  const double error = test::relative_error(result.out.cpu(), ref.out);
  fmt::print("misaligned q: out rel {:.2e}\n", error);
  BLADE_CHECK(error <= test::tolerance(torch::kBFloat16), "misaligned q: rel. error {}", error);
}

// A pool layout that does not give the number of global tokens handed over is refused by name
// (the kernel would otherwise use biases that are not the tensor's).
void pool_layout_mismatch_case() {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kBFloat16);
  const int64_t tokens = 300, pool = 30, block = 128;
  const auto q = torch::randn({1, 2, tokens, 128}, options), k = torch::randn_like(q), v = torch::randn_like(q);
  const auto index = BlockMask::all_kept(1, 2, 3, 3).to_index();
  kernels::GlobalTokenTensors global;
  global.keys = test::pool_reference(k.cpu(), pool).to(torch::kCUDA, torch::kBFloat16);
  global.values = test::pool_reference(v.cpu(), pool).to(torch::kCUDA, torch::kBFloat16);
  global.log_weight = test::pool_log_weight_reference(tokens, pool);
  global.pool_group = 7;  // 300 keys in pools of 7 make 43 global tokens, not 10
  std::string message;
  try {
    kernels::block_sparse_forward_cuda(q, k, v, index.offsets, index.indices, block, global);
  } catch (const Error& e) {
    message = e.what();
  }
  fmt::print("pool layout mismatch: {}\n", message);
  BLADE_CHECK(message.find("pools of 7 make 43 global tokens, but 10 were given") != std::string::npos,
              "a pool layout that does not fit the global tokens must be refused by name, got '{}'", message);
}

// q and v in a linear layer's [B, L, H, D] layout seen heads-first, as the DiT hands them over, and k
// as the first half of each row of a wider tensor (a slice of a fused projection). With B = 1 the
// Hopper kernel reads all three in place and writes its output [1, L, H, D] (checked through a
// NaN-poisoned strided buffer too); with B = 2 it reads k in place (one (batch, head) stride) and
// copies q and v packed; the mma.sync kernel copies all three. Every way must equal the float64
// reference.
void strided_layouts_case(int64_t batch, bool hopper_kernel, torch::Dtype dtype, int64_t dim) {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
  const int64_t heads = 3, tokens = 300, block = 128, pool = 30;
  const auto heads_first = [&] { return torch::randn({batch, tokens, heads, dim}, options).transpose(1, 2); };
  const auto q = heads_first(), v = heads_first();
  const auto k = torch::randn({batch, heads, tokens, 2 * dim}, options).narrow(3, 0, dim);
  BLADE_CHECK(!q.is_contiguous() && !k.is_contiguous() && !v.is_contiguous(), "the test needs strided q, k and v");
  const int64_t n = (tokens + block - 1) / block;
  const auto mask = test::random_block_mask(batch, heads, n, n, 0.6);
  const auto index = mask.to_index();
  kernels::GlobalTokenTensors global;
  global.keys = test::pool_reference(k.cpu(), pool).to(torch::kCUDA, dtype);
  global.values = test::pool_reference(v.cpu(), pool).to(torch::kCUDA, dtype);
  global.log_weight = test::pool_log_weight_reference(tokens, pool);
  const auto ref = test::masked_attention_reference(q.cpu(), k.cpu(), v.cpu(), test::token_mask(mask, tokens, tokens, block),
                                                    global.keys.cpu(), global.values.cpu(), global.log_weight);
  const std::string label = fmt::format("strided q, k, v, {} D{} B{} ({})", test::dtype_label(dtype), dim, batch,
                                        hopper_kernel ? "Hopper" : "mma.sync");

  test::poison_allocator();
  const auto result = kernels::block_sparse_forward_cuda(q, k, v, index.offsets, index.indices, block, global);
  torch::cuda::synchronize();
  const double error = test::relative_error(result.out.cpu(), ref.out);
  fmt::print("{}: out rel {:.2e}, out strides [{}]\n", label, error, fmt::join(result.out.strides(), ", "));
  BLADE_CHECK(error <= test::tolerance(dtype), "{}: rel. error {}", label, error);
  const bool written_heads_last = result.out.stride(2) == heads * dim && result.out.stride(1) == dim;
  BLADE_CHECK(written_heads_last == (hopper_kernel && batch == 1),
              "{}: the output should be laid out [1, L, H, D] exactly when the Hopper kernel runs with B = 1", label);

  auto out = torch::full({batch, tokens, heads, dim}, NAN, options).transpose(1, 2);
  auto lse = torch::full({batch, heads, tokens}, NAN, options.dtype(torch::kFloat32));
  if (hopper_kernel && batch == 1) {
    kernels::block_sparse_forward_cuda_into(q, k, v, index.offsets, index.indices, block, global, out, lse);
    torch::cuda::synchronize();
    const double into_error = test::relative_error(out.cpu(), ref.out);
    const double lse_error = test::max_abs_difference(lse, ref.lse);
    fmt::print("{}: into a strided buffer, out rel {:.2e}, lse max abs {:.2e}\n", label, into_error, lse_error);
    BLADE_CHECK(into_error <= test::tolerance(dtype) && lse_error <= 1e-3,
                "{}: into a strided buffer, rel. error {}, LSE error {}", label, into_error, lse_error);
  } else {
    // A strided output the kernel cannot write in place is refused, not written wrong.
    bool refused = false;
    try {
      kernels::block_sparse_forward_cuda_into(q, k, v, index.offsets, index.indices, block, global, out, lse);
    } catch (const Error& e) {
      refused = std::string(e.what()).find("output buffers") != std::string::npos;
    }
    BLADE_CHECK(refused, "{}: a strided output buffer must be refused with an error naming the output buffers", label);
  }
}

}  // namespace

int main() {
  if (!test::require_cuda()) return test::exit_code();
  const uint64_t seed = std::random_device{}();
  fmt::print("seed {}\n", seed);
  torch::manual_seed(seed);
  // The mma.sync kernel with both key-tile widths (each shape's default is one of them), then the
  // Hopper kernel, which takes block size 128 on an sm_90 GPU.
  kernels::set_forward_kernel(1);
  for (int key_tile : {32, 64}) {
    kernels::set_forward_key_tile(key_tile);
    fmt::print("mma.sync forward, key tile {}\n", key_tile);
    run_shape_matrix({64, 128});
  }
  kernels::set_forward_key_tile(0);
  const bool hopper = kernels::hopper_forward_available(128, 128);
  const auto* properties = at::cuda::getCurrentDeviceProperties();
  const bool sm90 = properties->major == 9 && properties->minor == 0;
  fmt::print("Hopper forward kernel on this GPU ({}): {}\n", properties->name, hopper ? "yes" : "no");
  // The build targets sm_90a (cmake/BladeDependencies.cmake), so an H100 / H200 must get the kernel.
  BLADE_CHECK(hopper == sm90, "the Hopper forward kernel is {} on a GPU of compute capability {}.{}",
              hopper ? "chosen" : "not available", properties->major, properties->minor);
  if (hopper) {
    BLADE_CHECK(kernels::hopper_forward_available(64, 128) && !kernels::hopper_forward_available(128, 64),
                "the Hopper forward takes head dims 64 and 128 at block size 128 only");
    for (int hopper_kernel : {2, 3}) {
      fmt::print("Hopper forward{}\n", hopper_kernel == 3 ? ", consumer warpgroups taking turns" : "");
      kernels::set_forward_kernel(hopper_kernel);
      run_shape_matrix({128});
      run_tile_count_cases();
    }
  }
  kernels::set_forward_kernel(1);
  strided_layouts_case(1, false, torch::kBFloat16, 128);
  kernels::set_forward_kernel(0);
  for (int64_t batch : {1, 2}) strided_layouts_case(batch, hopper, torch::kBFloat16, 128);
  strided_layouts_case(1, hopper, torch::kFloat16, 64);
  kernels::set_forward_kernel(0);
  for (int64_t block : {64, 128}) {
    Case long_rows;  // many kept tiles per row: the double buffering wraps several times
    long_rows.dim = 128;
    long_rows.block = block;
    long_rows.batch = 1;
    long_rows.heads = 2;
    long_rows.lq = long_rows.lk = 2000;
    long_rows.density = 0.7;
    long_rows.pool = 30;
    run_case(long_rows);
  }
  Case many_heads;
  many_heads.dim = 128;
  many_heads.block = 128;
  many_heads.batch = 1;
  many_heads.heads = 40;
  many_heads.lq = many_heads.lk = 260;
  many_heads.density = 0.5;
  run_case(many_heads);
  many_heads.pool = 30;
  run_case(many_heads);
  misaligned_inputs_case();
  pool_layout_mismatch_case();
  for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
    engine_dispatch_case(dtype, 0);
    engine_dispatch_case(dtype, 30);
  }
  return test::exit_code();
}
