#include "attention/asa_benchmark.h"

#include "attention/asa_probe.h"
#include "attention/asa_sparse_kernel.h"
#include "attention/asa_sparse_attention.h"
#include "core/device.h"
#include "core/error.h"
#include "core/log.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/scaled_dot_product_attention.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

namespace blade::attention {
namespace {

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

double median_ms(int repeats, const torch::Device& device, const std::function<void()>& work) {
  work();  // warm-up
  synchronize(device);
  std::vector<double> times;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    synchronize(device);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

BlockMask random_mask(const AttentionBenchOptions& o, double sparsity, at::Generator& generator) {
  const int64_t blocks = (o.seq + o.block_size - 1) / o.block_size;
  const int64_t keep = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil((1.0 - sparsity) * static_cast<double>(blocks) - 1e-9)), 1, blocks);
  BlockMask mask(o.batch, o.heads, blocks, blocks);
  for (int64_t b = 0; b < o.batch; ++b) {
    for (int64_t h = 0; h < o.heads; ++h) {
      for (int64_t qb = 0; qb < blocks; ++qb) {
        auto chosen = torch::randperm(blocks, generator, torch::kInt64).narrow(0, 0, keep);
        for (int64_t i = 0; i < keep; ++i) mask.set(b, h, qb, chosen[i].item<int64_t>(), true);
      }
    }
  }
  return mask;
}

}  // namespace

std::vector<AttentionBenchRow> bench_attention(const AttentionBenchOptions& o) {
  static auto log = blade::log::get("attention");
  if (o.batch < 1 || o.seq < 1 || o.heads < 1 || o.dim < 1 || o.block_size < 1 || o.pool_tokens < 1) {
    fail(ErrorKind::InvalidArgument, "bench attention: batch, seq, heads, dim, block and pool sizes must be positive");
  }
  const torch::Device device = parse_device(o.device);
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  const auto shape = std::vector<int64_t>{o.batch, o.heads, o.seq, o.dim};
  auto q = at::randn(shape, generator, torch::kFloat32), k = at::randn(shape, generator, torch::kFloat32),
       v = at::randn(shape, generator, torch::kFloat32);
  const double dense_flop = 4.0 * o.batch * o.heads * double(o.seq) * double(o.seq) * o.dim;

  std::vector<AttentionBenchRow> rows;
  auto qd = q.to(device), kd = k.to(device), vd = v.to(device);
  torch::Tensor dense;
  const double dense_ms = median_ms(o.repeats, device, [&] { dense = at::scaled_dot_product_attention(qd, kd, vd); });
  dense = dense.to(torch::kCPU);
  rows.push_back({"dense", 0.0, dense_ms, dense_flop / (dense_ms * 1e-3) / 1e12, 0.0});
  if (!device.is_cpu()) {
    log->warn("bench attention: the block-sparse rows run only on the CPU; {} gets the dense row only", o.device);
    return rows;
  }

  const auto global = pool_global_tokens(k, v, o.pool_tokens);
  for (double sparsity : o.sparsities) {
    if (!(sparsity >= 0.0 && sparsity < 1.0)) {
      fail(ErrorKind::InvalidArgument, "bench attention: sparsity {} is outside [0, 1)", sparsity);
    }
    BlockMask mask;
    if (o.mask == BenchMaskSource::Probe) {
      AsaSettings settings;
      settings.block_size = static_cast<int>(o.block_size);
      settings.fixed_sparsity = sparsity;
      ProbeResult probe;
      const double probe_ms = median_ms(o.repeats, device, [&] { probe = run_probe(q, k, settings, generator); });
      mask = probe.mask;
      const double per_block = static_cast<double>(std::min<int64_t>(settings.probe_tokens, o.block_size));
      const double blocks = static_cast<double>(mask.query_blocks());
      const double probe_flop = 2.0 * o.batch * o.heads * (blocks * per_block) * (blocks * per_block) * o.dim;
      rows.push_back({"asa-probe", 1.0 - mask.kept_fraction(), probe_ms, probe_flop / (probe_ms * 1e-3) / 1e12, 0.0});
    } else {
      mask = random_mask(o, sparsity, generator);
    }
    const auto index = mask.to_index();
    const double kept = mask.kept_fraction();

    SparseForward sparse;
    const double sparse_ms =
        median_ms(o.repeats, device, [&] { sparse = sparse_attention_forward_cpu(q, k, v, index, o.block_size, nullptr); });
    rows.push_back({"asa", 1.0 - kept, sparse_ms, dense_flop * kept / (sparse_ms * 1e-3) / 1e12,
                    (sparse.out - dense).norm().item<double>() / dense.norm().item<double>()});

    const double gt_ms =
        median_ms(o.repeats, device, [&] { sparse = sparse_attention_forward_cpu(q, k, v, index, o.block_size, &global); });
    const double gt_flop = 4.0 * o.batch * o.heads * double(o.seq) * o.dim *
                           (double(o.seq) * kept + static_cast<double>(global.keys.size(2)));
    rows.push_back({"asa-gt", 1.0 - kept, gt_ms, gt_flop / (gt_ms * 1e-3) / 1e12,
                    (sparse.out - dense).norm().item<double>() / dense.norm().item<double>()});
  }
  return rows;
}

}  // namespace blade::attention
