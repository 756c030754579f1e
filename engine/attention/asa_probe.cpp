#include "attention/asa_probe.h"

#include "core/device.h"
#include "core/error.h"
#include "core/tensor_format.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#ifdef BLADE_HAVE_CUDA_KERNELS
#include "kernels/asa_cuda.h"
#endif

namespace blade::attention {
namespace {

int64_t blocks_of(int64_t tokens, int64_t block_size) { return (tokens + block_size - 1) / block_size; }

// Token index of every sampled position: block * block_size + offset, capped at the last token
// (the same as padding the tail block with copies of the last token).
torch::Tensor sampled_positions(const torch::Tensor& offsets, int64_t tokens, int64_t block_size) {
  const int64_t blocks = blocks_of(tokens, block_size);
  auto starts = torch::arange(blocks, torch::kInt64).mul_(block_size).view({1, 1, blocks, 1});
  auto positions = (starts + offsets.unsqueeze(2)).clamp_max_(tokens - 1);
  return positions.flatten(2);  // [batch, heads, blocks * per_block]
}

torch::Tensor gather_tokens(const torch::Tensor& x, const torch::Tensor& positions) {
  auto index = positions.to(x.device()).unsqueeze(-1).expand({-1, -1, -1, x.size(3)});
  return x.gather(2, index);
}

}  // namespace

ProbeSamples draw_probe_samples(int64_t batch, int64_t heads, int64_t block_size, int64_t tokens_per_block,
                                at::Generator generator, torch::Device device) {
  if (block_size < 1 || tokens_per_block < 1) {
    fail(ErrorKind::InvalidArgument, "ASA probe: block_size ({}) and probe_tokens ({}) must be positive", block_size,
         tokens_per_block);
  }
  const int64_t count = std::min(tokens_per_block, block_size);
  auto draw = [&] {
    // A random subset of `count` offsets: the first `count` of a random permutation.
    const auto options = torch::TensorOptions().dtype(torch::kFloat64);
    auto keys = generator.defined() ? at::rand({batch, heads, block_size}, generator, options)
                                    : at::rand({batch, heads, block_size}, options.device(device));
    auto offsets = keys.argsort(/*stable=*/false, /*dim=*/-1).narrow(-1, 0, count);
    return upload_without_waiting(std::get<0>(offsets.sort(-1)).contiguous(), device);
  };
  ProbeSamples samples;
  samples.query_offsets = draw();
  samples.key_offsets = draw();
  return samples;
}

torch::Tensor probe_block_scores(const torch::Tensor& q, const torch::Tensor& k, const ProbeSamples& samples,
                                 int64_t block_size) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (samples.query_offsets.dim() == 3 && samples.key_offsets.sizes() == samples.query_offsets.sizes() &&
      kernels::probe_supported(q, k, block_size, samples.query_offsets.size(2))) {
    return kernels::probe_scores_cuda(q, k, samples.query_offsets, samples.key_offsets, block_size).to(torch::kCPU);
  }
#endif
  if (q.dim() != 4 || k.dim() != 4 || q.size(0) != k.size(0) || q.size(1) != k.size(1) || q.size(3) != k.size(3)) {
    fail(ErrorKind::InvalidArgument, "ASA probe expects q, k as [batch, heads, tokens, dim], got q {} k {}",
         shape_string(q.sizes()), shape_string(k.sizes()));
  }
  torch::NoGradGuard no_grad;
  const auto dtype = q.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  const int64_t batch = q.size(0), heads = q.size(1), dim = q.size(3);
  const int64_t query_blocks = blocks_of(q.size(2), block_size), key_blocks = blocks_of(k.size(2), block_size);
  const int64_t per_block = samples.query_offsets.size(2);
  if (samples.key_offsets.size(2) != per_block) {
    fail(ErrorKind::InvalidArgument, "ASA probe: query and key samples differ in count ({} vs {})", per_block,
         samples.key_offsets.size(2));
  }
  auto qs = gather_tokens(q, sampled_positions(samples.query_offsets, q.size(2), block_size)).to(dtype);
  auto ks = gather_tokens(k, sampled_positions(samples.key_offsets, k.size(2), block_size)).to(dtype);
  qs = qs.flatten(0, 1);  // [batch * heads, query_blocks * per_block, dim]
  ks = ks.flatten(0, 1);

  // The sampled score matrix of all heads at once can be large (Wan: 4096 x 4096 per head), so the
  // heads go through in groups.
  const int64_t per_head = query_blocks * per_block * key_blocks * per_block;
  const int64_t group = std::max<int64_t>(1, (int64_t{1} << 25) / std::max<int64_t>(per_head, 1));
  std::vector<torch::Tensor> parts;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  for (int64_t start = 0; start < batch * heads; start += group) {
    const int64_t n = std::min(group, batch * heads - start);
    auto scores = torch::bmm(qs.narrow(0, start, n), ks.narrow(0, start, n).transpose(1, 2)).mul_(scale);
    auto tile_max = scores.view({n, query_blocks * per_block, key_blocks, per_block}).amax(-1);
    auto relative = (tile_max - tile_max.amax(-1, true)).exp_();  // no softmax denominator, as the code
    auto pooled = relative.view({n, query_blocks, per_block, key_blocks}).amax(2);
    parts.push_back(pooled.div_(pooled.sum(-1, true)));
  }
  return torch::cat(parts, 0).view({batch, heads, query_blocks, key_blocks}).to(torch::kCPU);
}

int64_t kept_block_count(const std::vector<double>& sorted_descending, const AsaSettings& settings) {
  const auto n = static_cast<int64_t>(sorted_descending.size());
  if (n == 0) return 0;
  if (settings.fixed_sparsity) {
    // The small slack keeps exact products such as (1 - 0.9) * 10 = 1.0000000000000002 at 1.
    const double wanted = std::ceil((1.0 - *settings.fixed_sparsity) * static_cast<double>(n) - 1e-9);
    return std::clamp<int64_t>(static_cast<int64_t>(wanted), 1, n);
  }
  const double total = std::accumulate(sorted_descending.begin(), sorted_descending.end(), 0.0);
  int64_t count = n;  // if the threshold is never reached (rounding), everything
  double cumulative = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    cumulative += sorted_descending[static_cast<size_t>(i)];
    if (cumulative >= settings.tau * total) {
      count = settings.rule == ThresholdRule::Paper ? i + 1 : i;
      break;
    }
  }
  const auto lower = std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(n) * settings.min_keep)));
  const auto upper = std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(n) * settings.max_keep)));
  return std::min(std::max(count, lower), upper);  // torch.clamp semantics: the upper bound wins
}

BlockMask select_blocks(const torch::Tensor& scores, const AsaSettings& settings) {
  if (scores.dim() != 4) {
    fail(ErrorKind::InvalidArgument, "select_blocks expects scores [batch, heads, query_blocks, key_blocks], got {}",
         shape_string(scores.sizes()));
  }
  if (settings.fixed_sparsity && !(*settings.fixed_sparsity >= 0.0 && *settings.fixed_sparsity < 1.0)) {
    fail(ErrorKind::InvalidArgument, "ASA fixed_sparsity must be in [0, 1), got {}", *settings.fixed_sparsity);
  }
  const auto values = scores.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const double* data = values.data_ptr<double>();
  BlockMask mask(scores.size(0), scores.size(1), scores.size(2), scores.size(3));
  const int64_t n = scores.size(3);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<double> sorted(static_cast<size_t>(n));
  for (int64_t r = 0; r < mask.rows(); ++r) {
    const double* row = data + r * n;
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [row](int64_t a, int64_t b) { return row[a] > row[b]; });
    for (int64_t i = 0; i < n; ++i) sorted[static_cast<size_t>(i)] = row[order[static_cast<size_t>(i)]];
    const int64_t keep = kept_block_count(sorted, settings);
    const int64_t b = r / (mask.heads() * mask.query_blocks());
    const int64_t h = (r / mask.query_blocks()) % mask.heads();
    const int64_t qb = r % mask.query_blocks();
    for (int64_t i = 0; i < keep; ++i) mask.set(b, h, qb, order[static_cast<size_t>(i)], true);
  }
  return mask;
}

ProbeResult run_probe(const torch::Tensor& q, const torch::Tensor& k, const AsaSettings& settings,
                      at::Generator generator, bool want_mask) {
#ifdef BLADE_HAVE_CUDA_KERNELS
  if (kernels::probe_supported(q, k, settings.block_size, std::min(settings.probe_tokens, settings.block_size))) {
    ProbeResult result;
    result.samples = draw_probe_samples(q.size(0), q.size(1), settings.block_size, settings.probe_tokens, generator,
                                        q.device());
    const kernels::ProbeRule rule{settings.tau, settings.rule == ThresholdRule::Code, settings.min_keep,
                                  settings.max_keep, settings.fixed_sparsity};
    const auto gpu = kernels::asa_probe_cuda(q, k, result.samples.query_offsets, result.samples.key_offsets,
                                             settings.block_size, rule, want_mask);
    result.index = {gpu.offsets, gpu.indices};
    if (want_mask) {
      result.scores = gpu.scores.to(torch::kCPU);
      result.mask = BlockMask::from_tensor(gpu.keep);
    } else {
      result.scores = gpu.scores;
    }
    return result;
  }
#endif
  ProbeResult result;
  result.samples = draw_probe_samples(q.size(0), q.size(1), settings.block_size, settings.probe_tokens, generator);
  result.scores = probe_block_scores(q, k, result.samples, settings.block_size);
  result.mask = select_blocks(result.scores, settings);
  result.index = result.mask.to_index();
  return result;
}

}  // namespace blade::attention
