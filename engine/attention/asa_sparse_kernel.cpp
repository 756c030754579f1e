#include "attention/asa_sparse_kernel.h"

#include "attention/asa_blas_threads.h"
#include "core/error.h"
#include "core/tensor_format.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

namespace blade::attention {
namespace {


struct Problem {
  int64_t heads_total = 0;  // batch * heads
  int64_t query_tokens = 0;
  int64_t key_tokens = 0;
  int64_t dim = 0;
  int64_t block_size = 0;
  int64_t query_blocks = 0;
  int64_t key_blocks = 0;
  int64_t chunk_blocks = 0;
  double scale = 0.0;
};

Problem describe(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const BlockIndex& index,
                 int64_t block_size, const GlobalTokens* global, int64_t chunk_keys) {
  const bool shapes_ok = q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && k.sizes() == v.sizes() &&
                         q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3);
  if (!shapes_ok) {
    fail(ErrorKind::InvalidArgument, "block-sparse attention expects q [B, H, Lq, D], k and v [B, H, Lk, D], got q {} k {} v {}",
         shape_string(q.sizes()), shape_string(k.sizes()), shape_string(v.sizes()));
  }
  if (!q.device().is_cpu() || q.scalar_type() != k.scalar_type() || q.scalar_type() != v.scalar_type() ||
      (q.scalar_type() != torch::kFloat32 && q.scalar_type() != torch::kFloat64) || !q.is_contiguous() ||
      !k.is_contiguous() || !v.is_contiguous() ||
      (global && (!global->keys.is_contiguous() || !global->values.is_contiguous() ||
                  global->keys.scalar_type() != q.scalar_type() || global->log_weight.scalar_type() != q.scalar_type()))) {
    fail(ErrorKind::Internal, "sparse_attention_*_cpu needs contiguous CPU float32/float64 tensors of one dtype");
  }
  if (block_size < 1) fail(ErrorKind::InvalidArgument, "block-sparse attention: block_size must be positive, got {}", block_size);
  if (chunk_keys < 1) fail(ErrorKind::InvalidArgument, "block-sparse attention: chunk_keys must be positive, got {}", chunk_keys);
  Problem p;
  p.heads_total = q.size(0) * q.size(1);
  p.query_tokens = q.size(2);
  p.key_tokens = k.size(2);
  p.dim = q.size(3);
  p.block_size = block_size;
  p.query_blocks = (p.query_tokens + block_size - 1) / block_size;
  p.key_blocks = (p.key_tokens + block_size - 1) / block_size;
  p.chunk_blocks = std::max<int64_t>(1, chunk_keys / block_size);
  p.scale = 1.0 / std::sqrt(static_cast<double>(p.dim));
  if (index.offsets.numel() != p.heads_total * p.query_blocks + 1) {
    fail(ErrorKind::InvalidArgument, "block-sparse attention: mask has {} rows, expected {} (batch x heads x query blocks)",
         index.offsets.numel() - 1, p.heads_total * p.query_blocks);
  }
  if (index.indices.numel() > 0) {
    const int64_t largest = index.indices.max().item<int64_t>();
    const int64_t smallest = index.indices.min().item<int64_t>();
    if (smallest < 0 || largest >= p.key_blocks) {
      fail(ErrorKind::InvalidArgument, "block-sparse attention: key block index {} outside [0, {})",
           smallest < 0 ? smallest : largest, p.key_blocks);
    }
  }
  if (global) {
    const auto& gk = global->keys;
    if (gk.dim() != 4 || gk.size(0) != q.size(0) || gk.size(1) != q.size(1) || gk.size(3) != p.dim ||
        global->values.sizes() != gk.sizes() || global->log_weight.numel() != gk.size(2)) {
      fail(ErrorKind::InvalidArgument, "block-sparse attention: global keys {} values {} weights {} do not fit q {}",
           shape_string(gk.sizes()), shape_string(global->values.sizes()), shape_string(global->log_weight.sizes()),
           shape_string(q.sizes()));
    }
  }
  return p;
}

int64_t block_length(const Problem& p, int64_t block, int64_t tokens) {
  return std::min(p.block_size, tokens - block * p.block_size);
}

// Copies the rows of the listed blocks of src ([tokens, dim], contiguous) to the start of dst.
int64_t gather_blocks(const Problem& p, const torch::Tensor& src, const int64_t* blocks, int64_t count, torch::Tensor& dst) {
  const auto bytes_per_row = static_cast<size_t>(p.dim) * src.element_size();
  auto* out = static_cast<char*>(dst.data_ptr());
  const auto* in = static_cast<const char*>(src.data_ptr());
  int64_t rows = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t len = block_length(p, blocks[i], p.key_tokens);
    std::memcpy(out + rows * bytes_per_row, in + blocks[i] * p.block_size * bytes_per_row, len * bytes_per_row);
    rows += len;
  }
  return rows;
}

// Adds the first rows of src back onto the listed blocks of dst (inverse of gather_blocks).
void scatter_add_blocks(const Problem& p, const torch::Tensor& src, const int64_t* blocks, int64_t count, torch::Tensor& dst) {
  int64_t rows = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t len = block_length(p, blocks[i], p.key_tokens);
    dst.narrow(0, blocks[i] * p.block_size, len).add_(src.narrow(0, rows, len));
    rows += len;
  }
}

// Online-softmax state of one query tile.
struct TileState {
  torch::Tensor out;      // [rows, dim], a view into the output, accumulates unnormalised
  torch::Tensor row_max;  // [rows]
  torch::Tensor row_sum;  // [rows]
};

// q_tile is pre-multiplied by the softmax scale. bias (if defined) is added to the logits of the
// last bias.numel() keys.
void accumulate(TileState& s, const torch::Tensor& q_tile, const torch::Tensor& keys, const torch::Tensor& values,
                const torch::Tensor& bias, torch::Tensor& score_buffer) {
  const int64_t rows = q_tile.size(0), n = keys.size(0);
  auto scores = score_buffer.narrow(0, 0, rows * n).view({rows, n});
  at::mm_out(scores, q_tile, keys.t());
  if (bias.defined()) scores.narrow(1, n - bias.numel(), bias.numel()).add_(bias);
  auto new_max = at::maximum(s.row_max, scores.amax(1));
  auto rescale = (s.row_max - new_max).exp_();
  scores.sub_(new_max.unsqueeze(1)).exp_();
  s.row_sum.mul_(rescale).add_(scores.sum(1));
  s.out.mul_(rescale.unsqueeze(1)).addmm_(scores, values);
  s.row_max = new_max;
}

// Runs work(task) for every task in [0, tasks) on the intra-op threads, each thread taking the next
// task when it is done: query blocks differ in kept count and the machine may be shared, so a
// static split would leave a thread idle. make_state() builds one thread's scratch buffers.
// Workers run with the caller's thread-local state (grad mode, inference mode), which OpenMP
// threads do not inherit.
template <typename MakeState, typename Work>
void for_each_task_dynamic(int64_t tasks, MakeState make_state, Work work) {
  std::atomic<int64_t> next{0};
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), tasks);
  const at::ThreadLocalState caller_state;
  at::parallel_for(0, std::max<int64_t>(threads, 1), 1, [&](int64_t begin, int64_t end) {
    const at::ThreadLocalStateGuard same_state_as_caller(caller_state);
    const SingleThreadedInnerWorkScope no_nested_threads;
    auto state = make_state();
    for (int64_t worker = begin; worker < end; ++worker) {
      for (int64_t task = next.fetch_add(1); task < tasks; task = next.fetch_add(1)) work(state, task);
    }
  });
}

struct ForwardScratch {
  torch::Tensor key_buffer, value_buffer, score_buffer;
};

void forward_tile(const Problem& p, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                  const BlockIndex& index, const GlobalTokens* global, torch::Tensor& out, torch::Tensor& lse,
                  ForwardScratch& scratch, int64_t task) {
  const auto options = q.options();
  auto& key_buffer = scratch.key_buffer;
  auto& value_buffer = scratch.value_buffer;
  auto& score_buffer = scratch.score_buffer;
  const int64_t* offsets = index.offsets.data_ptr<int64_t>();
  const int64_t* blocks = index.indices.data_ptr<int64_t>();
  {
    const int64_t bh = task / p.query_blocks, qb = task % p.query_blocks;
    const int64_t first = qb * p.block_size, rows = block_length(p, qb, p.query_tokens);
    const auto q_tile = q[bh].narrow(0, first, rows) * p.scale;
    TileState state{out[bh].narrow(0, first, rows).zero_(),
                    torch::full({rows}, -std::numeric_limits<double>::infinity(), options), torch::zeros({rows}, options)};
    const torch::Tensor k_head = k[bh], v_head = v[bh];
    // ASA-GT's global tokens join the last chunk of kept keys: one softmax pass instead of two.
    const int64_t global_count = global ? global->keys.size(1) : 0;  // flattened: [batch * heads, count, dim]
    const int64_t end = offsets[task + 1];
    int64_t i = offsets[task];
    do {
      const int64_t count = std::min(p.chunk_blocks, end - i);
      int64_t n = gather_blocks(p, k_head, blocks + i, count, key_buffer);
      gather_blocks(p, v_head, blocks + i, count, value_buffer);
      i += count;
      torch::Tensor bias;
      if (i >= end && global_count > 0) {
        key_buffer.narrow(0, n, global_count).copy_(global->keys[bh]);
        value_buffer.narrow(0, n, global_count).copy_(global->values[bh]);
        n += global_count;
        bias = global->log_weight;
      }
      if (n > 0) accumulate(state, q_tile, key_buffer.narrow(0, 0, n), value_buffer.narrow(0, 0, n), bias, score_buffer);
    } while (i < end);
    // A row with no attended key keeps output 0 and LSE -inf.
    state.out.div_(state.row_sum.clamp_min(std::numeric_limits<float>::min()).unsqueeze(1));
    lse[bh].narrow(0, first, rows).copy_(state.row_max + state.row_sum.log());
  }
}

GlobalTokens flatten_global(const GlobalTokens* global) {
  return {global->keys.flatten(0, 1), global->values.flatten(0, 1), global->log_weight};
}

}  // namespace

SparseForward sparse_attention_forward_cpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const BlockIndex& index, int64_t block_size, const GlobalTokens* global,
                                           int64_t chunk_keys) {
  auto out = torch::empty(q.sizes(), q.options());
  auto lse = torch::empty({q.size(0), q.size(1), q.size(2)}, q.options());
  sparse_attention_forward_cpu_into(q, k, v, index, block_size, global, out, lse, chunk_keys);
  return {out, lse};
}

void sparse_attention_forward_cpu_into(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                       const BlockIndex& index, int64_t block_size, const GlobalTokens* global,
                                       torch::Tensor& out, torch::Tensor& lse, int64_t chunk_keys) {
  const Problem p = describe(q, k, v, index, block_size, global, chunk_keys);
  if (out.sizes() != q.sizes() || lse.dim() != 3 || lse.sizes() != q.sizes().slice(0, 3) || !out.is_contiguous() ||
      !lse.is_contiguous() || out.scalar_type() != q.scalar_type() || lse.scalar_type() != q.scalar_type()) {
    fail(ErrorKind::Internal, "sparse attention: output buffers {} / {} do not fit q {}", shape_string(out.sizes()),
         shape_string(lse.sizes()), shape_string(q.sizes()));
  }
  torch::NoGradGuard no_grad;
  auto q3 = q.flatten(0, 1), k3 = k.flatten(0, 1), v3 = v.flatten(0, 1), out3 = out.flatten(0, 1), lse2 = lse.flatten(0, 1);
  GlobalTokens flat;
  if (global) flat = flatten_global(global);
  const int64_t chunk_rows = p.chunk_blocks * p.block_size + (global ? global->keys.size(2) : 0);
  auto make_scratch = [&] {
    return ForwardScratch{torch::empty({chunk_rows, p.dim}, q.options()), torch::empty({chunk_rows, p.dim}, q.options()),
                          torch::empty({p.block_size * chunk_rows}, q.options())};
  };
  for_each_task_dynamic(p.heads_total * p.query_blocks, make_scratch, [&](ForwardScratch& scratch, int64_t task) {
    forward_tile(p, q3, k3, v3, index, global ? &flat : nullptr, out3, lse2, scratch, task);
  });
}

SparseGradients sparse_attention_backward_cpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                              const BlockIndex& index, int64_t block_size, const GlobalTokens* global,
                                              const torch::Tensor& out, const torch::Tensor& lse,
                                              const torch::Tensor& grad_out, int64_t chunk_keys) {
  const Problem p = describe(q, k, v, index, block_size, global, chunk_keys);
  torch::NoGradGuard no_grad;
  SparseGradients g{torch::zeros_like(q), torch::zeros_like(k), torch::zeros_like(v), {}, {}};
  GlobalTokens flat;
  torch::Tensor gdk3, gdv3;
  if (global) {
    flat = flatten_global(global);
    g.global_dk = torch::zeros_like(global->keys);
    g.global_dv = torch::zeros_like(global->values);
    gdk3 = g.global_dk.flatten(0, 1);
    gdv3 = g.global_dv.flatten(0, 1);
  }
  auto q3 = q.flatten(0, 1), k3 = k.flatten(0, 1), v3 = v.flatten(0, 1);
  auto do3 = grad_out.contiguous().flatten(0, 1);
  // Rows without keys have LSE -inf; +inf makes their probabilities 0 instead of NaN.
  auto lse2 = lse.masked_fill(lse == -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity())
                  .flatten(0, 1);
  auto delta2 = (grad_out * out).sum(-1).flatten(0, 1);  // D_r = dO_r . O_r
  auto dq3 = g.dq.flatten(0, 1), dk3 = g.dk.flatten(0, 1), dv3 = g.dv.flatten(0, 1);
  const int64_t* offsets = index.offsets.data_ptr<int64_t>();
  const int64_t* blocks = index.indices.data_ptr<int64_t>();

  // One task per (batch, head): the key gradients of a head are written by one thread only.
  auto make_scratch = [&] {
    return ForwardScratch{torch::empty({p.chunk_blocks * p.block_size, p.dim}, q.options()),
                          torch::empty({p.chunk_blocks * p.block_size, p.dim}, q.options()), {}};
  };
  for_each_task_dynamic(p.heads_total, make_scratch, [&](ForwardScratch& scratch, int64_t bh) {
    auto& key_buffer = scratch.key_buffer;
    auto& value_buffer = scratch.value_buffer;
    {
      auto k_head = k3[bh], v_head = v3[bh], dk_head = dk3[bh], dv_head = dv3[bh];
      for (int64_t qb = 0; qb < p.query_blocks; ++qb) {
        const int64_t first = qb * p.block_size, rows = block_length(p, qb, p.query_tokens);
        auto q_tile = q3[bh].narrow(0, first, rows);
        auto do_tile = do3[bh].narrow(0, first, rows);
        auto dq_tile = dq3[bh].narrow(0, first, rows);
        auto lse_tile = lse2[bh].narrow(0, first, rows).unsqueeze(1);
        auto delta_tile = delta2[bh].narrow(0, first, rows).unsqueeze(1);
        // Returns dS (already scaled) and adds dV; the caller adds dQ and dK.
        auto tile_grads = [&](const torch::Tensor& keys, const torch::Tensor& values, const torch::Tensor& bias,
                              torch::Tensor dv_rows) {
          auto logits = at::mm(q_tile, keys.t()).mul_(p.scale);
          if (bias.defined()) logits.add_(bias);
          auto probs = logits.sub_(lse_tile).exp_();
          dv_rows.addmm_(probs.t(), do_tile);
          auto dp = at::mm(do_tile, values.t());
          auto ds = probs.mul_(dp.sub_(delta_tile)).mul_(p.scale);
          dq_tile.addmm_(ds, keys);
          return ds;
        };
        const int64_t row = bh * p.query_blocks + qb;
        for (int64_t i = offsets[row]; i < offsets[row + 1]; i += p.chunk_blocks) {
          const int64_t count = std::min(p.chunk_blocks, offsets[row + 1] - i);
          const int64_t n = gather_blocks(p, k_head, blocks + i, count, key_buffer);
          gather_blocks(p, v_head, blocks + i, count, value_buffer);
          auto keys = key_buffer.narrow(0, 0, n), values = value_buffer.narrow(0, 0, n);
          auto dv_chunk = torch::zeros({n, p.dim}, q.options());
          auto ds = tile_grads(keys, values, {}, dv_chunk);
          scatter_add_blocks(p, dv_chunk, blocks + i, count, dv_head);
          scatter_add_blocks(p, at::mm(ds.t(), q_tile), blocks + i, count, dk_head);
        }
        if (global) {
          const int64_t total = flat.keys.size(1);
          const int64_t chunk = p.chunk_blocks * p.block_size;
          for (int64_t start = 0; start < total; start += chunk) {
            const int64_t n = std::min(chunk, total - start);
            auto ds = tile_grads(flat.keys[bh].narrow(0, start, n), flat.values[bh].narrow(0, start, n),
                                 flat.log_weight.narrow(0, start, n), gdv3[bh].narrow(0, start, n));
            gdk3[bh].narrow(0, start, n).addmm_(ds.t(), q_tile);
          }
        }
      }
    }
  });
  return g;
}

}  // namespace blade::attention
