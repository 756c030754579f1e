#include "attention/asa_benchmark.h"

#include "attention/asa_probe.h"
#include "attention/asa_sparse_kernel.h"
#include "attention/asa_sparse_attention.h"
#include "core/device.h"
#include "core/error.h"
#include "core/log.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/scaled_dot_product_attention.h>

#include <torch/serialize.h>

#include <algorithm>
#include <fstream>
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


void save_mask(const std::string& pattern, double sparsity, const BlockMask& mask) {
  std::string path = pattern;
  const auto at = path.find("{s}");
  if (at != std::string::npos) path.replace(at, 3, fmt::format("{:g}", sparsity));
  const auto bytes = torch::pickle_save(mask.to_tensor());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail(ErrorKind::Io, "bench attention: cannot write the mask file '{}'", path);
}

double relative_to(const torch::Tensor& x, const torch::Tensor& reference) {
  const auto difference = (x.to(torch::kFloat32) - reference.to(torch::kFloat32)).norm().item<double>();
  return difference / reference.to(torch::kFloat32).norm().item<double>();
}

// Error of a block-sparse output against the exact softmax over the same kept blocks [and global
// tokens], in float64 on the CPU, for a few query blocks of batch 0 (all of them would cost a dense
// attention in float64).
double masked_reference_error(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const BlockMask& mask, int64_t block_size, const GlobalTokens* global,
                              const torch::Tensor& out) {
  const int64_t blocks = mask.query_blocks(), tokens = q.size(2);
  std::vector<int64_t> chosen{0, blocks / 3, (2 * blocks) / 3, blocks - 1};
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  auto cpu = [](const torch::Tensor& x) { return x.to(torch::kCPU, torch::kFloat64); };
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  std::vector<torch::Tensor> got, want;
  for (int64_t h = 0; h < q.size(1); ++h) {
    const auto qh = cpu(q[0][h]), kh = cpu(k[0][h]), vh = cpu(v[0][h]), oh = cpu(out[0][h]);
    for (const int64_t qb : chosen) {
      const int64_t first = qb * block_size, rows = std::min(block_size, tokens - first);
      std::vector<torch::Tensor> key_parts, value_parts;
      for (int64_t kb = 0; kb < mask.key_blocks(); ++kb) {
        if (!mask.kept(0, h, qb, kb)) continue;
        const int64_t start = kb * block_size, length = std::min(block_size, tokens - start);
        key_parts.push_back(kh.narrow(0, start, length));
        value_parts.push_back(vh.narrow(0, start, length));
      }
      auto keys = torch::cat(key_parts), values = torch::cat(value_parts);
      auto scores = torch::matmul(qh.narrow(0, first, rows), keys.t()) * scale;
      if (global) {
        scores = torch::cat({scores, torch::matmul(qh.narrow(0, first, rows), cpu(global->keys[0][h]).t()) * scale +
                                         cpu(global->log_weight)},
                            1);
        values = torch::cat({values, cpu(global->values[0][h])});
      }
      want.push_back(torch::matmul(torch::softmax(scores, 1), values));
      got.push_back(oh.narrow(0, first, rows));
    }
  }
  return relative_to(torch::cat(got), torch::cat(want));
}

}  // namespace

std::vector<AttentionBenchRow> bench_attention(const AttentionBenchOptions& o) {
  static auto log = blade::log::get("attention");
  if (o.batch < 1 || o.seq < 1 || o.heads < 1 || o.dim < 1 || o.block_size < 1 || o.pool_tokens < 1) {
    fail(ErrorKind::InvalidArgument, "bench attention: batch, seq, heads, dim, block and pool sizes must be positive");
  }
  for (double sparsity : o.sparsities) {
    if (!(sparsity >= 0.0 && sparsity < 1.0)) {
      fail(ErrorKind::InvalidArgument, "bench attention: sparsity {} is outside [0, 1)", sparsity);
    }
  }
  const torch::Device device = parse_device(o.device);
  const auto dtype = device.is_cpu() ? torch::kFloat32 : torch::kBFloat16;
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  const auto shape = std::vector<int64_t>{o.batch, o.heads, o.seq, o.dim};
  auto random = [&] { return at::randn(shape, generator, torch::kFloat32).to(device, dtype); };
  const auto q = random(), k = random(), v = random();
  const double dense_flop = 4.0 * o.batch * o.heads * double(o.seq) * double(o.seq) * o.dim;

  std::vector<AttentionBenchRow> rows;
  torch::Tensor dense;
  const double dense_ms = median_ms(o.repeats, device, [&] { dense = at::scaled_dot_product_attention(q, k, v); });
  rows.push_back({"dense", 0.0, dense_ms, dense_flop / (dense_ms * 1e-3) / 1e12, 0.0});

  const auto global = pool_global_tokens(k, v, o.pool_tokens);
  for (double sparsity : o.sparsities) {
    BlockMask mask;
    BlockIndex index;
    if (o.mask == BenchMaskSource::Probe) {
      AsaSettings settings;
      settings.block_size = static_cast<int>(o.block_size);
      settings.fixed_sparsity = sparsity;
      // Timed as the pipeline runs it: samples drawn on the device, the index left there.
      const double probe_ms = median_ms(o.repeats, device, [&] {
        run_probe(q, k, settings, at::Generator(), /*want_mask=*/false);
      });
      mask = run_probe(q, k, settings, generator).mask;
      const double per_block = static_cast<double>(std::min<int64_t>(settings.probe_tokens, o.block_size));
      const double blocks = static_cast<double>(mask.query_blocks());
      const double probe_flop = 2.0 * o.batch * o.heads * (blocks * per_block) * (blocks * per_block) * o.dim;
      rows.push_back({"asa-probe", 1.0 - mask.kept_fraction(), probe_ms, probe_flop / (probe_ms * 1e-3) / 1e12, 0.0});
    } else {
      mask = random_mask(o, sparsity, generator);
    }
    if (!o.mask_file.empty()) save_mask(o.mask_file, sparsity, mask);
    index = mask.to_index();
    if (!device.is_cpu()) index = {index.offsets.to(device), index.indices.to(device)};
    const double kept = mask.kept_fraction();

    SparseAttentionOutput sparse;
    const double sparse_ms =
        median_ms(o.repeats, device, [&] { sparse = block_sparse_attention(q, k, v, index, o.block_size, nullptr); });
    rows.push_back({"asa", 1.0 - kept, sparse_ms, dense_flop * kept / (sparse_ms * 1e-3) / 1e12,
                    masked_reference_error(q, k, v, mask, o.block_size, nullptr, sparse.out)});

    const double gt_ms =
        median_ms(o.repeats, device, [&] { sparse = block_sparse_attention(q, k, v, index, o.block_size, &global); });
    const double gt_flop = 4.0 * o.batch * o.heads * double(o.seq) * o.dim *
                           (double(o.seq) * kept + static_cast<double>(global.keys.size(2)));
    rows.push_back({"asa-gt", 1.0 - kept, gt_ms, gt_flop / (gt_ms * 1e-3) / 1e12,
                    masked_reference_error(q, k, v, mask, o.block_size, &global, sparse.out)});
  }
  log->info("bench attention on {}: {} rows", o.device, rows.size());
  return rows;
}

}  // namespace blade::attention
