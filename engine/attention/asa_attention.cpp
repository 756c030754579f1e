#include "attention/asa_attention.h"

#include "attention/asa_probe.h"
#include "attention/asa_sparse_attention.h"
#include "attention/gilbert.h"
#include "core/error.h"
#include "core/log.h"
#include "core/profile_scope.h"
#include "core/tensor_format.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>

#include <chrono>

namespace blade::attention {
namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

bool grid_matches(const std::array<int64_t, 3>& grid, int64_t tokens) {
  return grid[0] > 0 && grid[1] > 0 && grid[2] > 0 && grid[0] * grid[1] * grid[2] == tokens;
}

}  // namespace

void validate_asa_settings(const AsaSettings& s) {
  auto bad = [](const char* what, double value, const char* expected) {
    fail(ErrorKind::InvalidArgument, "ASA setting {} = {}: expected {}", what, value, expected);
  };
  if (s.block_size < 1) bad("block_size", s.block_size, ">= 1");
  if (s.probe_tokens < 1) bad("probe_tokens", s.probe_tokens, ">= 1");
  if (!(s.tau > 0.0 && s.tau <= 1.0)) bad("tau", s.tau, "in (0, 1]");
  if (!(s.min_keep >= 0.0 && s.min_keep <= 1.0)) bad("min_keep", s.min_keep, "in [0, 1]");
  if (!(s.max_keep >= 0.0 && s.max_keep <= 1.0)) bad("max_keep", s.max_keep, "in [0, 1]");
  if (s.pool_tokens < 1) bad("pool_tokens", s.pool_tokens, ">= 1");
  if (s.fixed_sparsity && !(*s.fixed_sparsity >= 0.0 && *s.fixed_sparsity < 1.0)) {
    bad("fixed_sparsity", *s.fixed_sparsity, "in [0, 1)");
  }
}

AsaAttention::AsaAttention(const AsaSettings& settings) : AsaAttention(settings, false) {}

AsaAttention::AsaAttention(const AsaSettings& settings, bool global_tokens)
    : settings_(settings), global_tokens_(global_tokens) {
  validate_asa_settings(settings_);
  if (settings_.seed) generator_ = at::make_generator<at::CPUGeneratorImpl>(*settings_.seed);
}

const AttentionInputLayout& AsaAttention::gilbert_layout(const std::array<int64_t, 3>& grid, torch::Device device) {
  if (grid != gilbert_grid_ || !gilbert_.order.defined() || gilbert_.order.device() != device) {
    const auto permutation = gilbert_permutation(grid);
    gilbert_.order = permutation.order.to(device);
    gilbert_.inverse = permutation.inverse.to(device);
    gilbert_.heads_contiguous = true;
    gilbert_grid_ = grid;
  }
  return gilbert_;
}

AttentionInputLayout AsaAttention::preferred_layout(const std::array<int64_t, 3>& grid, torch::Device device) {
  if (grid[0] <= 0 || grid[1] <= 0 || grid[2] <= 0) return {};  // no grid: tokens as given
  return gilbert_layout(grid, device);
}

torch::Tensor AsaAttention::forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    const AttentionCallInfo& info) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || k.sizes() != v.sizes() || q.size(0) != k.size(0) ||
      q.size(1) != k.size(1) || q.size(3) != k.size(3)) {
    fail(ErrorKind::Internal, "{} attention expects [batch, heads, tokens, head_dim] tensors, got q {} k {} v {}", name(),
         shape_string(q.sizes()), shape_string(k.sizes()), shape_string(v.sizes()));
  }
  // The CUDA kernels take bf16/fp16. Under CUDA autocast the attention runs in the autocast dtype,
  // as SDPA does for the dense back end (in training the DiT hands over float32 queries and keys,
  // its RoPE output); a float32 model on the GPU gets bf16 attention and float32 results back
  // rather than the CPU fallback, which is two orders of magnitude slower.
  if (q.is_cuda()) {
    const bool autocast = at::autocast::is_autocast_enabled(at::kCUDA);
    const auto dtype = autocast ? at::autocast::get_autocast_dtype(at::kCUDA) : torch::kBFloat16;
    const bool all_f32 = q.scalar_type() == torch::kFloat32 && k.scalar_type() == torch::kFloat32 &&
                         v.scalar_type() == torch::kFloat32;
    if ((autocast || all_f32) &&
        (q.scalar_type() != dtype || k.scalar_type() != dtype || v.scalar_type() != dtype)) {
      const auto out = forward(q.to(dtype), k.to(dtype), v.to(dtype), info);
      return autocast ? out : out.to(torch::kFloat32);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const int64_t tokens = q.size(2);
  if (info.tokens_in_backend_order && (!grid_matches(info.grid, tokens) || k.size(2) != tokens)) {
    fail(ErrorKind::Internal, "{} attention: tokens said to be in Gilbert order of grid {}x{}x{}, but q has {} and k {} "
         "tokens", name(), info.grid[0], info.grid[1], info.grid[2], tokens, k.size(2));
  }
  const bool reorder = !info.tokens_in_backend_order && grid_matches(info.grid, tokens) && k.size(2) == tokens;
  torch::Tensor qg = q, kg = k, vg = v, inverse;
  if (reorder) {
    const auto& layout = gilbert_layout(info.grid, q.device());
    inverse = layout.inverse;
    qg = q.index_select(2, layout.order);
    kg = k.index_select(2, layout.order);
    vg = v.index_select(2, layout.order);
  }

  AttentionObserver* const listener = observer();
  const auto probe_start = std::chrono::steady_clock::now();
  const ProbeResult probe = [&] {
    BLADE_PROFILE_SCOPE("blade::asa_probe");
    return run_probe(qg.detach(), kg.detach(), settings_, generator_, /*want_mask=*/listener != nullptr);
  }();
  const double probe_ms = elapsed_ms(probe_start);

  const auto kernel_start = std::chrono::steady_clock::now();
  GlobalTokens global;
  if (global_tokens_) {
    BLADE_PROFILE_SCOPE("blade::asa_pool_global_tokens");
    global = pool_global_tokens(kg, vg, settings_.pool_tokens);
  }
  auto result = block_sparse_attention(qg, kg, vg, probe.index, settings_.block_size,
                                       global_tokens_ ? &global : nullptr);
  const double kernel_ms = elapsed_ms(kernel_start);
  // Reordered here: back in natural order, laid out [B, tokens, heads, D] under the [B, heads, tokens, D]
  // view, so the caller's head merge is free instead of a second copy. (With tokens_in_backend_order
  // the kernel's output goes back as it is: the Hopper kernel writes [1, tokens, heads, D] itself when
  // B = 1, and the merge is free; otherwise it copies once.)
  torch::Tensor out = reorder ? result.out.transpose(1, 2).index_select(1, inverse).transpose(1, 2) : result.out;

  if (listener) {
    AttentionCallStats stats;
    stats.info = info;
    stats.backend = name();
    stats.heads = q.size(1);
    stats.tokens = tokens;
    stats.kept_fraction = probe.mask.kept_fraction();
    stats.attention_ms = elapsed_ms(start);
    stats.batch = q.size(0);
    stats.block_size = settings_.block_size;
    stats.query_blocks = probe.mask.query_blocks();
    stats.key_blocks = probe.mask.key_blocks();
    stats.mask_words_per_row = probe.mask.words_per_row();
    stats.mask_words = probe.mask.words();
    stats.kept_fraction_per_head = probe.mask.kept_fraction_per_head();
    stats.kept_fraction_per_query_block = probe.mask.kept_fraction_per_row();
    stats.global_fraction = global_tokens_ ? 1.0 / settings_.pool_tokens : 0.0;
    stats.probe_ms = probe_ms;
    stats.kernel_ms = kernel_ms;
    listener->on_attention_call(stats);
  }
  return out;
}

}  // namespace blade::attention
