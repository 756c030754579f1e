// The ASA and ASA-GT back ends on CUDA tensors (Gilbert reorder, GPU probe, GPU kernels) choose
// the same blocks as on the CPU with the same seed and agree with the float64 reference of a whole
// call on the mask they report.

#include "../asa/asa_reference.h"
#include "attention/asa_attention.h"
#include "attention/gilbert.h"
#include "core/autocast_scope.h"
#include "cuda_asa_util.h"
#include "test_tensors.h"

#include <fmt/format.h>

#include <random>

using namespace blade;
using namespace blade::attention;

namespace {

struct Recorder : AttentionObserver {
  std::vector<AttentionCallStats> calls;
  void on_attention_call(const AttentionCallStats& s) override { calls.push_back(s); }
};

BlockMask mask_from_stats(const AttentionCallStats& s) {
  BlockMask mask(s.batch, s.heads, s.query_blocks, s.key_blocks);
  for (int64_t row = 0; row < mask.rows(); ++row) {
    for (int64_t kb = 0; kb < s.key_blocks; ++kb) {
      const uint64_t word = s.mask_words[size_t(row * s.mask_words_per_row + kb / 64)];
      if ((word >> (kb % 64)) & 1U) {
        mask.set(row / (s.heads * s.query_blocks), (row / s.query_blocks) % s.heads, row % s.query_blocks, kb, true);
      }
    }
  }
  return mask;
}

torch::Tensor reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const BlockMask& mask,
                        int64_t block, const std::array<int64_t, 3>& grid, int64_t group) {
  const auto order = gilbert_permutation(grid);
  const auto qg = q.index_select(2, order.order), kg = k.index_select(2, order.order),
             vg = v.index_select(2, order.order);
  const int64_t tokens = q.size(2);
  const auto visible = test::token_mask(mask, tokens, tokens, block);
  const auto ref = group > 0 ? test::masked_attention_reference(qg, kg, vg, visible, test::pool_reference(kg, group),
                                                                test::pool_reference(vg, group),
                                                                test::pool_log_weight_reference(tokens, group))
                             : test::masked_attention_reference(qg, kg, vg, visible);
  return ref.out.index_select(2, order.inverse);
}

void run_case(bool global_tokens, torch::Dtype dtype, uint64_t seed) {
  const std::array<int64_t, 3> grid{3, 8, 12};  // 288 tokens: 5 blocks of 64 with a tail
  const int64_t tokens = grid[0] * grid[1] * grid[2];
  AsaSettings settings;
  settings.block_size = 64;
  settings.probe_tokens = 16;
  settings.min_keep = 0.2;
  settings.max_keep = 0.6;
  settings.seed = seed;
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
  const auto q = torch::randn({2, 3, tokens, 64}, options), k = torch::randn({2, 3, tokens, 64}, options),
             v = torch::randn({2, 3, tokens, 64}, options);

  std::unique_ptr<AsaAttention> gpu_backend, cpu_backend;
  if (global_tokens) {
    gpu_backend = std::make_unique<AsaGtAttention>(settings);
    cpu_backend = std::make_unique<AsaGtAttention>(settings);
  } else {
    gpu_backend = std::make_unique<AsaAttention>(settings);
    cpu_backend = std::make_unique<AsaAttention>(settings);
  }
  Recorder gpu_calls, cpu_calls;
  gpu_backend->set_observer(&gpu_calls);
  cpu_backend->set_observer(&cpu_calls);
  AttentionCallInfo info;
  info.grid = grid;
  const auto gpu_out = gpu_backend->forward(q, k, v, info);
  const auto cpu_out = cpu_backend->forward(q.to(torch::kCPU, torch::kFloat32), k.to(torch::kCPU, torch::kFloat32),
                                            v.to(torch::kCPU, torch::kFloat32), info);
  torch::cuda::synchronize();

  const auto mask = mask_from_stats(gpu_calls.calls.at(0));
  const bool same_mask = gpu_calls.calls.at(0).mask_words == cpu_calls.calls.at(0).mask_words;
  const auto ref = reference(q.cpu(), k.cpu(), v.cpu(), mask, settings.block_size, grid, global_tokens ? 30 : 0);
  const double error = test::relative_error(gpu_out, ref);
  const double vs_cpu = test::relative_error(gpu_out, cpu_out);
  fmt::print("{} {}: on {}, kept {:.3f}, same mask as CPU {}, rel vs reference {:.2e}, vs CPU back end {:.2e}\n",
             global_tokens ? "asa-gt" : "asa", test::dtype_label(dtype), gpu_out.device().str(), mask.kept_fraction(),
             same_mask, error, vs_cpu);
  BLADE_CHECK(gpu_out.is_cuda() && gpu_out.scalar_type() == dtype, "the back end must answer in the input's dtype and device");
  BLADE_CHECK(same_mask, "the GPU probe chose other blocks than the CPU probe with the same seed");
  BLADE_CHECK(error <= test::tolerance(dtype), "rel. error vs reference {}", error);
  BLADE_CHECK(vs_cpu <= test::tolerance(dtype), "rel. error vs the CPU back end {}", vs_cpu);
}

// In training the DiT hands float32 queries and keys (RoPE output) and bfloat16 values to the
// back end under bf16 autocast: the call must run the bf16 kernels (bit for bit what bf16 inputs
// give, not the float32 CPU fallback) and carry gradients back to the float32 inputs.
void run_autocast_case(uint64_t seed) {
  const std::array<int64_t, 3> grid{3, 8, 12};
  const int64_t tokens = grid[0] * grid[1] * grid[2];
  AsaSettings settings;
  settings.block_size = 64;
  settings.probe_tokens = 16;
  settings.fixed_sparsity = 0.6;
  settings.seed = seed;
  const auto f32 = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kFloat32);
  const auto q = torch::randn({2, 2, tokens, 64}, f32).requires_grad_(true);
  const auto k = torch::randn({2, 2, tokens, 64}, f32).requires_grad_(true);
  const auto v = torch::randn({2, 2, tokens, 64}, f32).to(torch::kBFloat16).requires_grad_(true);
  AttentionCallInfo info;
  info.grid = grid;
  torch::Tensor mixed_out;
  {
    AutocastScope autocast(true, q.device());
    AsaGtAttention backend(settings);
    mixed_out = backend.forward(q, k, v, info);
  }
  mixed_out.to(torch::kFloat32).square().sum().backward();
  AsaGtAttention bf16_backend(settings);
  const auto bf16_out = bf16_backend.forward(q.detach().to(torch::kBFloat16), k.detach().to(torch::kBFloat16),
                                             v.detach(), info);
  torch::cuda::synchronize();
  // A float32 model on the GPU (no autocast) gets the same bf16 kernels and float32 results.
  AsaGtAttention f32_backend(settings);
  const auto f32_out = f32_backend.forward(q.detach(), k.detach(), v.detach().to(torch::kFloat32), info);
  BLADE_CHECK(f32_out.is_cuda() && f32_out.scalar_type() == torch::kFloat32, "float32 in, float32 out on the GPU");
  BLADE_CHECK(test::relative_error(f32_out, bf16_out.to(torch::kFloat32)) == 0.0,
              "a float32 call must run the bf16 kernels (not the CPU fallback)");
  const double difference = test::relative_error(mixed_out, bf16_out);
  fmt::print("asa-gt under autocast: out {} {}, rel vs bf16 inputs {:.2e}, q grad {}\n",
             c10::toString(mixed_out.scalar_type()), mixed_out.device().str(), difference,
             q.grad().defined() ? c10::toString(q.grad().scalar_type()) : "none");
  BLADE_CHECK(mixed_out.is_cuda() && mixed_out.scalar_type() == torch::kBFloat16,
              "under bf16 autocast the back end must answer in bf16 on the GPU");
  BLADE_CHECK(difference == 0.0, "autocast call differs from the bf16 call by {} (not the bf16 kernels?)", difference);
  for (const auto* input : {&q, &k, &v}) {
    BLADE_CHECK(input->grad().defined() && input->grad().isfinite().all().item<bool>() &&
                    input->grad().abs().sum().item<double>() > 0.0,
                "gradients must reach every input of the autocast call");
  }
}

}  // namespace

int main() {
  if (!test::require_cuda()) return test::exit_code();
  const uint64_t seed = std::random_device{}();
  torch::manual_seed(seed);
  for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
    run_case(false, dtype, seed);
    run_case(true, dtype, seed + 1);
  }
  run_autocast_case(seed + 2);
  return test::exit_code();
}
