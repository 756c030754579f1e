// The CUDA probe equals the CPU probe on the same sample offsets: the same scores P (to float32
// rounding), the same kept blocks under the energy threshold (paper and code rules, with and
// without clamps) and the fixed-sparsity rule, and the same compressed index as to_index(). Also
// through the engine's run_probe with a seeded generator. Seeded samples, drawn on the host, reach
// the GPU without waiting for the work queued there.

#include "attention/asa_probe.h"
#include "cuda_asa_util.h"
#include "kernels/asa_cuda.h"
#include "kernels/asa_cuda_bench.h"
#include "test_tensors.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/Sleep.h>
#include <fmt/format.h>

#include <random>

using namespace blade;
using attention::AsaSettings;
using attention::ThresholdRule;

namespace {

struct Case {
  torch::Dtype dtype = torch::kBFloat16;
  int64_t dim = 64, block = 64, samples = 16, batch = 2, heads = 3, lq = 1000, lk = 1000;
};

std::string describe(const Case& c) {
  return fmt::format("{} D{} block{} samples{} B{} H{} Lq{} Lk{}", test::dtype_label(c.dtype), c.dim, c.block,
                     c.samples, c.batch, c.heads, c.lq, c.lk);
}

kernels::ProbeRule rule_of(const AsaSettings& s) {
  return {s.tau, s.rule == ThresholdRule::Code, s.min_keep, s.max_keep, s.fixed_sparsity};
}

std::string describe(const AsaSettings& s) {
  if (s.fixed_sparsity) return fmt::format("fixed {}", *s.fixed_sparsity);
  return fmt::format("tau {} {} keep [{}, {}]", s.tau, s.rule == ThresholdRule::Paper ? "paper" : "code", s.min_keep,
                     s.max_keep);
}

void run_case(const Case& c, uint64_t seed) {
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(c.dtype);
  const auto q = torch::randn({c.batch, c.heads, c.lq, c.dim}, options);
  const auto k = torch::randn({c.batch, c.heads, c.lk, c.dim}, options);
  const auto q_cpu = q.to(torch::kCPU, torch::kFloat32), k_cpu = k.to(torch::kCPU, torch::kFloat32);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto samples = attention::draw_probe_samples(c.batch, c.heads, c.block, c.samples, generator);
  const auto cpu_scores = attention::probe_block_scores(q_cpu, k_cpu, samples, c.block);

  std::vector<AsaSettings> rules(5);
  rules[1].rule = ThresholdRule::Code;
  rules[2].min_keep = 0.0;  // the bare threshold rule
  rules[2].max_keep = 1.0;
  rules[2].tau = 0.6;
  rules[3] = rules[2];
  rules[3].rule = ThresholdRule::Code;
  rules[4].fixed_sparsity = 0.7;
  for (auto& r : rules) r.block_size = static_cast<int>(c.block);

  for (const auto& settings : rules) {
    test::poison_allocator();
    const auto gpu = kernels::asa_probe_cuda(q, k, samples.query_offsets, samples.key_offsets, c.block,
                                             rule_of(settings), /*want_keep_mask=*/true);
    torch::cuda::synchronize();
    // The choice is judged on the GPU's own scores (float32, 3e-7 from the CPU's): a threshold rule
    // whose cumulative sum lands within 1e-6 of tau may go either way, so the GPU's mask must lie
    // between the choices at tau -/+ 1e-6 (equal to both everywhere else).
    const auto gpu_scores = gpu.scores.cpu();
    auto lower_settings = settings, upper_settings = settings;
    lower_settings.tau = settings.tau - 1e-6;
    upper_settings.tau = std::min(1.0, settings.tau + 1e-6);
    const auto cpu_mask = attention::select_blocks(gpu_scores, settings);
    const auto lower = attention::select_blocks(gpu_scores, lower_settings).to_tensor();
    const auto upper = attention::select_blocks(gpu_scores, upper_settings).to_tensor();
    const auto gpu_keep = gpu.keep.cpu();
    const double score_error = test::relative_error(gpu.scores, cpu_scores);
    const int64_t differing = (lower.logical_and(gpu_keep.logical_not()))
                                  .logical_or(gpu_keep.logical_and(upper.logical_not()))
                                  .sum()
                                  .item<int64_t>();
    const auto index = attention::BlockMask::from_tensor(gpu_keep).to_index();
    const auto offsets = gpu.offsets.cpu();
    const bool offsets_equal = torch::equal(offsets, index.offsets);
    const int64_t total = offsets[-1].item<int64_t>();
    const bool indices_equal = offsets_equal && gpu.indices.numel() >= total &&
                               torch::equal(gpu.indices.cpu().narrow(0, 0, total), index.indices);
    fmt::print("{:<44} {:<30} scores rel {:.1e}  kept {:.3f}  differing blocks {}  index {}\n", describe(c),
               describe(settings), score_error, cpu_mask.kept_fraction(), differing,
               indices_equal ? "equal" : "DIFFERENT");
    BLADE_CHECK(score_error <= 1e-5, "{} {}: scores rel. error {}", describe(c), describe(settings), score_error);
    BLADE_CHECK(differing == 0, "{} {}: {} blocks chosen differently", describe(c), describe(settings), differing);
    BLADE_CHECK(indices_equal, "{} {}: the index differs from to_index()", describe(c), describe(settings));
  }

  // probe_block_scores and run_probe on CUDA tensors dispatch to the kernels.
  const auto dispatched = attention::probe_block_scores(q, k, samples, c.block);
  const double dispatch_error = test::relative_error(dispatched, cpu_scores);
  BLADE_CHECK(dispatched.device().is_cpu() && dispatch_error <= 1e-5, "{}: dispatched scores rel. error {}",
              describe(c), dispatch_error);
  AsaSettings settings;
  settings.block_size = static_cast<int>(c.block);
  settings.probe_tokens = static_cast<int>(c.samples);
  auto gen_gpu = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  auto gen_cpu = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  const auto on_gpu = attention::run_probe(q, k, settings, gen_gpu);
  const auto on_cpu = attention::run_probe(q_cpu, k_cpu, settings, gen_cpu);
  BLADE_CHECK(on_gpu.mask.words() == on_cpu.mask.words(), "{}: run_probe on CUDA chose other blocks than on the CPU",
              describe(c));
  BLADE_CHECK(torch::equal(on_gpu.samples.query_offsets.cpu(), on_cpu.samples.query_offsets),
              "{}: run_probe on CUDA drew other samples", describe(c));

  // Without the host mask (the pipeline's path) the index stays on the GPU and is the same choice.
  auto gen_index = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  const auto index_only = attention::run_probe(q, k, settings, gen_index, /*want_mask=*/false);
  const auto expected = on_gpu.mask.to_index();
  BLADE_CHECK(index_only.index.offsets.is_cuda() && index_only.mask.rows() == 0,
              "{}: run_probe without the mask still copied it to the host", describe(c));
  const auto offsets = index_only.index.offsets.cpu();
  const int64_t kept = offsets[-1].item<int64_t>();
  BLADE_CHECK(torch::equal(offsets, expected.offsets) &&
                  torch::equal(index_only.index.indices.cpu().narrow(0, 0, kept), expected.indices),
              "{}: the device index differs from the same probe's host mask", describe(c));
}

// A wait per attention call would leave the GPU idle while the host queues the next kernels, 240
// times per clip: the samples' upload is checked to be queued behind a busy GPU, not after it.
void seeded_samples_do_not_wait_for_the_gpu(uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto same_seed = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto on_host = attention::draw_probe_samples(1, 12, 128, 16, same_seed);
  torch::cuda::synchronize();
  at::cuda::sleep(int64_t{1} << 31);  // about a second of one busy thread at H100 clocks
  const auto on_gpu = attention::draw_probe_samples(1, 12, 128, 16, generator, torch::Device(torch::kCUDA));
  const bool gpu_still_busy = !at::cuda::getCurrentCUDAStream().query();
  BLADE_CHECK(gpu_still_busy, "drawing seeded probe samples waited until the GPU had finished its queued work");
  torch::cuda::synchronize();
  BLADE_CHECK(on_gpu.query_offsets.is_cuda() && torch::equal(on_gpu.query_offsets.cpu(), on_host.query_offsets) &&
                  torch::equal(on_gpu.key_offsets.cpu(), on_host.key_offsets),
              "seeded samples uploaded to the GPU differ from the same seed's samples on the host");
}

}  // namespace

int main() {
  if (!test::require_cuda()) return test::exit_code();
  const uint64_t seed = std::random_device{}();
  torch::manual_seed(seed);
  fmt::print("seed {}\n", seed);
  seeded_samples_do_not_wait_for_the_gpu(seed);
  // The fused kernel, the split scores + selection kernels, and the split ones with the Hopper scores
  // kernel (on other GPUs, and above 16 samples, variant 3 runs the mma.sync scores kernel).
  for (int variant : {1, 2, 3}) {
    kernels::set_probe_variant(variant);
    fmt::print("probe variant {}\n", variant == 1 ? "fused" : variant == 2 ? "split" : "split, Hopper scores");
    for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
      for (int64_t dim : {64, 128}) {
        for (int64_t block : {64, 128}) {
          Case c;
          c.dtype = dtype;
          c.dim = dim;
          c.block = block;
          run_case(c, seed);
          c.samples = 32;
          c.lq = 700;
          c.lk = 1300;
          run_case(c, seed + 2);
          c.samples = 5;
          run_case(c, seed + 4);
          c.samples = 20;
          run_case(c, seed + 6);
        }
      }
    }
    Case wide;  // 4,000 / 64 = 63 key blocks with a tail, 20 heads
    wide.dim = 128;
    wide.batch = 1;
    wide.heads = 20;
    wide.lq = wide.lk = 4000;
    run_case(wide, seed + 8);
  }
  kernels::set_probe_variant(0);
  return test::exit_code();
}
