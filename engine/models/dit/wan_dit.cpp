#include "models/dit/wan_dit.h"

#include "core/device.h"
#include "core/error.h"
#include "core/profile_scope.h"
#include "core/tensor_format.h"
#include "models/dit/wan_dit_fused.h"
#include "models/dit/wan_rope.h"

#include <torch/torch.h>

namespace blade::models {
namespace {

void check_compute_dtype(torch::Dtype dtype) {
  if (dtype != torch::kFloat32 && dtype != torch::kBFloat16 && dtype != torch::kFloat16) {
    fail(ErrorKind::InvalidArgument, "Wan DiT compute dtype must be f32, bf16 or f16, got {}", dtype_name(dtype));
  }
}

}  // namespace

WanDiTImpl::WanDiTImpl(const WanDiTConfig& config) : WanDiTImpl(config, WanDiTPlacement{}) {}

WanDiTImpl::WanDiTImpl(const WanDiTConfig& config, const WanDiTPlacement& placement)
    : config_(config), compute_dtype_(placement.compute_dtype) {
  check_compute_dtype(placement.compute_dtype);
  if (config.dim <= 0 || config.num_heads <= 0 || config.head_dim * config.num_heads != config.dim ||
      config.head_dim % 2 != 0 || config.num_layers <= 0) {
    fail(ErrorKind::InvalidArgument, "inconsistent Wan DiT config: {}", config.describe());
  }
  patch_embedding_ = register_module("patch_embedding", WanPatchEmbed(config, placement));
  condition_embedder_ = register_module("condition_embedder", WanConditionEmbedder(config, placement));
  block_list_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i) {
    blocks_.push_back(WanBlock(config, placement));
    block_list_->push_back(blocks_.back());
  }
  head_modulation_ = register_parameter("scale_shift_table", placement.make({1, 2, config.dim}, false), false);
  const int64_t patch_volume = config.patch[0] * config.patch[1] * config.patch[2];
  proj_out_ = register_module("proj_out", WanLinear(config.dim, patch_volume * config.out_channels, placement, false));
}

void WanDiTImpl::set_compute_dtype(torch::Dtype dtype) {
  check_compute_dtype(dtype);
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto linear = std::dynamic_pointer_cast<WanLinearImpl>(module); linear && linear->follows_compute_dtype()) {
      linear->set_dtype(dtype);
    }
  }
  patch_embedding_->set_dtype(dtype);
  compute_dtype_ = dtype;
}

const torch::Tensor& WanDiTImpl::rope_factors(const std::array<int64_t, 3>& grid, torch::Device device) {
  if (!rope_factors_.defined() || rope_grid_ != grid || rope_factors_.device() != device) {
    rope_factors_ = wan_rope_factors(grid, config_.head_dim, device);
    rope_grid_ = grid;
  }
  return rope_factors_;
}

const torch::Tensor& WanDiTImpl::ordered_rope_factors(const std::array<int64_t, 3>& grid, const torch::Tensor& order) {
  const auto& natural = rope_factors(grid, order.device());
  // Back ends hand out the same cached order tensor for a grid; a new one (or a new grid) gathers again.
  if (!ordered_rope_factors_.defined() || !rope_order_.is_same(order) || ordered_rope_grid_ != grid ||
      ordered_rope_factors_.device() != order.device()) {
    ordered_rope_factors_ = natural.index_select(0, order);
    rope_order_ = order;  // held, so the same tensor object cannot come back as another order
    ordered_rope_grid_ = grid;
  }
  return ordered_rope_factors_;
}

void WanDiTImpl::check_inputs(const torch::Tensor& latents, const torch::Tensor& timestep,
                              const torch::Tensor& context) const {
  const auto& p = config_.patch;
  if (latents.dim() != 5 || latents.size(1) != config_.in_channels || latents.size(2) % p[0] != 0 ||
      latents.size(3) % p[1] != 0 || latents.size(4) % p[2] != 0 || latents.size(2) < p[0] ||
      latents.size(3) < p[1] || latents.size(4) < p[2]) {
    fail(ErrorKind::InvalidArgument, "Wan DiT latents: expected [batch, {}, frames, height, width] with frames, height "
         "and width positive multiples of the patch {}x{}x{}, got {}", config_.in_channels, p[0], p[1], p[2],
         shape_string(latents.sizes()));
  }
  const int64_t batch = latents.size(0);
  if (timestep.numel() != batch && timestep.numel() != 1) {
    fail(ErrorKind::InvalidArgument, "Wan DiT timestep: expected {} value(s) (one per batch item), got shape {}", batch,
         shape_string(timestep.sizes()));
  }
  if (context.dim() != 3 || context.size(0) != batch || context.size(2) != config_.text_dim || context.size(1) == 0) {
    fail(ErrorKind::InvalidArgument, "Wan DiT context: expected [{}, text_tokens, {}], got {}", batch, config_.text_dim,
         shape_string(context.sizes()));
  }
}

torch::Tensor WanDiTImpl::forward(const torch::Tensor& latents, const torch::Tensor& timestep,
                                  const torch::Tensor& context, attention::AttentionBackend& self_attention,
                                  int step_index) {
  check_inputs(latents, timestep, context);
  const auto& p = config_.patch;
  const int64_t batch = latents.size(0);
  const std::array<int64_t, 3> grid{latents.size(2) / p[0], latents.size(3) / p[1], latents.size(4) / p[2]};
  const int64_t tokens = grid[0] * grid[1] * grid[2];
  try {
    BLADE_PROFILE_SCOPE("blade::dit");
    const auto device = head_modulation_.device();
    auto x = patch_embedding_->forward(latents.to(device));
    const auto conditions =
        condition_embedder_->forward(timestep.to(device).reshape({-1}).expand({batch}), context.to(device));
    const auto layout = self_attention.preferred_layout(grid, device);
    const bool ordered = layout.order.defined();
    const torch::Tensor& rope = ordered ? ordered_rope_factors(grid, layout.order) : rope_factors(grid, device);

    // Everything in a block but self-attention works token by token, so the tokens can take the
    // attention back end's order for the whole pass: one reorder here instead of q, k, v and the
    // output in every layer.
    if (ordered) x = x.index_select(1, layout.order);
    PendingResidual pending;
    for (size_t i = 0; i < blocks_.size(); ++i) {
      BLADE_PROFILE_SCOPE("blade::dit_block");
      const attention::AttentionCallInfo info{.layer = static_cast<int>(i), .step = step_index, .grid = grid,
                                              .tokens_in_backend_order = ordered};
      x = blocks_[i]->forward(x, conditions.time_modulation, conditions.context, rope, self_attention, info,
                              layout.heads_contiguous, &pending);
    }
    if (pending.update.defined()) x = residual_add(x, pending.update, pending.gate);
    if (ordered) x = x.index_select(1, layout.inverse);

    const auto head = head_modulation_ + conditions.time.unsqueeze(1);  // [B, 2, dim]: shift, scale
    const auto out = proj_out_->forward(modulated_norm(x, head.narrow(1, 0, 1), head.narrow(1, 1, 1), config_.eps,
                                                       proj_out_->weight().scalar_type()));
    return out.view({batch, grid[0], grid[1], grid[2], p[0], p[1], p[2], config_.out_channels})
        .permute({0, 7, 1, 4, 2, 5, 3, 6})
        .reshape({batch, config_.out_channels, grid[0] * p[0], grid[1] * p[1], grid[2] * p[2]});
  } catch (const Error&) {
    throw;
  } catch (...) {
    rethrow_as_blade_error(fmt::format("running the Wan DiT on {} tokens (grid {}x{}x{})", tokens, grid[0], grid[1],
                                       grid[2]));
  }
}

}  // namespace blade::models
