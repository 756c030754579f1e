// The fused CUDA normalisations (kernels/fused_norms.h) against float64 references on fresh random
// inputs, their outputs poisoned first; then a random DiT and a random VAE on the GPU, fused
// against the composite reference in the same process.

#include "attention/attention_factory.h"
#include "check.h"
#include "core/fused_kernels.h"
#include "core/tensor_format.h"
#include "kernels/fused_norms.h"
#include "models/dit/wan_dit.h"
#include "models/dit/wan_dit_fused.h"
#include "models/dit/wan_rope.h"
#include "models/vae/wan_vae.h"
#include "models/vae/wan_vae_config.h"
#include "pipeline/random_weights.h"
#include "test_tensors.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <limits>
#include <random>

using namespace blade;

namespace {

const torch::Device kCuda(torch::kCUDA);

// Leaves a NaN-filled block of `bytes` in the caching allocator, which the next output of that size
// reuses: a kernel that skips an element leaves NaN there.
void poison_allocator(int64_t bytes) {
  auto poison = torch::full({bytes / 4 + 16}, std::numeric_limits<float>::quiet_NaN(),
                            torch::TensorOptions().device(kCuda));
  torch::cuda::synchronize();
}

double tolerance(torch::Dtype dtype) {
  return dtype == torch::kFloat32 ? 1e-5 : dtype == torch::kFloat16 ? 2e-3 : 1e-2;
}

const char* name(torch::Dtype dtype) { return c10::toString(dtype); }

void check_rms_norm_rope(torch::Dtype dtype, int64_t batch, const std::array<int64_t, 3>& grid, int64_t heads,
                         int64_t head_dim, bool with_rope, uint64_t seed, bool misaligned_weight = false) {
  torch::manual_seed(seed);
  const int64_t tokens = grid[0] * grid[1] * grid[2], channels = heads * head_dim;
  const auto x = (torch::randn({batch, tokens, channels}, torch::TensorOptions().device(kCuda)) * 2.0 + 0.3).to(dtype);
  // Misaligned: the weights start 4 bytes into an allocation, so they cannot be read 16 bytes at a time.
  const auto weight = misaligned_weight
                          ? (torch::rand({channels + 1}, torch::TensorOptions().device(kCuda)) + 0.5).narrow(0, 1, channels)
                          : torch::rand({channels}, torch::TensorOptions().device(kCuda)) + 0.5;
  const auto rope = with_rope ? models::wan_rope_factors(grid, head_dim, kCuda) : torch::Tensor();
  BLADE_CHECK(kernels::rms_norm_rope_applies(x, weight, rope, head_dim), "the kernel should take {} x [{}, {}, {}]",
              name(dtype), batch, tokens, channels);
  poison_allocator(x.numel() * x.element_size());
  const auto fused = kernels::rms_norm_rope_cuda(x, weight, 1e-6, rope, head_dim);

  // float64 reference: RMS norm over the row, then each pair (2j, 2j + 1) of a head turned.
  const auto x64 = x.to(torch::kFloat64);
  auto expected = x64 * torch::rsqrt(x64.pow(2).mean(-1, true) + 1e-6) * weight.to(torch::kFloat64);
  if (with_rope) {
    const auto pairs = expected.view({batch, tokens, heads, head_dim / 2, 2});
    const auto turned = torch::view_as_complex(pairs.contiguous()) * rope.view({1, tokens, 1, head_dim / 2});
    expected = torch::view_as_real(turned).reshape({batch, tokens, channels});
  }
  const double error = test::relative_error(fused.to(torch::kFloat64), expected);
  const auto composite = [&] {
    const FusedKernelsScope off(false);
    return models::normed_query_key(x, weight, 1e-6, rope, head_dim, dtype);
  }();
  const double vs_composite = test::relative_error(fused.to(torch::kFloat64), composite.to(torch::kFloat64));
  fmt::print("rms norm {} {} B{} L{} C{} head {}: rel vs float64 {:.2e}, vs composite {:.2e}, finite {}\n",
             with_rope ? "+ rope" : "      ", name(dtype), batch, tokens, channels, head_dim, error, vs_composite,
             fused.isfinite().all().item<bool>());
  BLADE_CHECK(fused.isfinite().all().item<bool>(), "non-finite output (an element not written?)");
  BLADE_CHECK(error <= tolerance(dtype), "rms norm{} {}: relative error {} against float64", with_rope ? " + rope" : "",
              name(dtype), error);
  BLADE_CHECK(vs_composite <= tolerance(dtype), "fused and composite differ by {}", vs_composite);

  // Rows of up to 2,048 16-bit channels are held in registers; the two-pass kernel (any width) must
  // give the same bits.
  poison_allocator(x.numel() * x.element_size());
  const auto two_passes = kernels::rms_norm_rope_cuda(x, weight, 1e-6, rope, head_dim, /*heads_major=*/false,
                                                      kernels::RmsNormRopeKernel::TwoPasses);
  BLADE_CHECK(torch::equal(two_passes, fused), "rms norm{} {} C{}: the two-pass kernel and the default differ",
              with_rope ? " + rope" : "", name(dtype), channels);
  const auto two_passes_heads_major = kernels::rms_norm_rope_cuda(x, weight, 1e-6, rope, head_dim, /*heads_major=*/true,
                                                                  kernels::RmsNormRopeKernel::TwoPasses);
  BLADE_CHECK(torch::equal(two_passes_heads_major.transpose(1, 2).reshape({batch, tokens, channels}), fused),
              "rms norm{} {} C{}: the two-pass kernel's heads-major output differs", with_rope ? " + rope" : "",
              name(dtype), channels);

  // The heads-major output: the same values, each head's plane [B, head, L, head_dim] contiguous.
  poison_allocator(x.numel() * x.element_size());
  const auto heads_major = kernels::rms_norm_rope_cuda(x, weight, 1e-6, rope, head_dim, /*heads_major=*/true);
  BLADE_CHECK(heads_major.sizes() == torch::IntArrayRef({batch, heads, tokens, head_dim}) &&
                  heads_major.is_contiguous(),
              "heads-major output {} (contiguous {}), expected [{}, {}, {}, {}] contiguous",
              shape_string(heads_major.sizes()), heads_major.is_contiguous(), batch, heads, tokens, head_dim);
  const auto as_rows = heads_major.transpose(1, 2).reshape({batch, tokens, channels});
  BLADE_CHECK(torch::equal(as_rows, fused), "heads-major output differs from the row-major one");
  const auto through_dit = models::normed_query_key_heads(x, weight, 1e-6, rope, head_dim, dtype, true);
  BLADE_CHECK(through_dit.is_contiguous() && torch::equal(through_dit, heads_major),
              "normed_query_key_heads did not take the heads-major kernel");
}

void check_layer_norm_affine(torch::Dtype out_dtype, int64_t batch, int64_t tokens, int64_t channels,
                             bool modulated, uint64_t seed) {
  torch::manual_seed(seed);
  const auto f32 = torch::TensorOptions().device(kCuda);
  // A large common offset: the variance must not come from E[x^2] - E[x]^2.
  const auto x = torch::randn({batch, tokens, channels}, f32) * 3.0 + 40.0;
  torch::Tensor scale, shift;
  if (modulated) {
    const auto table = torch::randn({batch, 6, channels}, f32) * 0.5;  // the block's [B, 6, C] modulation
    shift = table.narrow(1, 0, 1);
    scale = table.narrow(1, 1, 1);
  } else {
    scale = torch::rand({channels}, f32) + 0.5;
    // 4 bytes past a 16-byte boundary: the kernel must fall back to scalar loads of the shift.
    shift = (torch::randn({channels + 1}, f32) * 0.1).narrow(0, 1, channels);
  }
  BLADE_CHECK(kernels::layer_norm_affine_applies(x, scale, shift, out_dtype), "the LayerNorm kernel should take this shape");
  poison_allocator(x.numel() * 4);
  const auto fused = kernels::layer_norm_affine_cuda(x, scale, shift, 1e-6, modulated, out_dtype);
  const auto x64 = x.to(torch::kFloat64);
  const auto centred = x64 - x64.mean(-1, true);
  const auto normed = centred * torch::rsqrt(centred.pow(2).mean(-1, true) + 1e-6);
  const auto factor = modulated ? scale.to(torch::kFloat64) + 1.0 : scale.to(torch::kFloat64);
  const auto expected = normed * factor + shift.to(torch::kFloat64);
  const double error = test::relative_error(fused.to(torch::kFloat64), expected);
  fmt::print("layer norm {} -> {} B{} L{} C{}: rel vs float64 {:.2e}\n", modulated ? "modulated" : "affine   ",
             name(out_dtype), batch, tokens, channels, error);
  BLADE_CHECK(fused.scalar_type() == out_dtype, "output dtype {}, asked {}", name(fused.scalar_type()), name(out_dtype));
  BLADE_CHECK(fused.isfinite().all().item<bool>(), "non-finite output (an element not written?)");
  BLADE_CHECK(error <= tolerance(out_dtype), "LayerNorm {}: relative error {} against float64", name(out_dtype), error);
}

// The residual add fused with the LayerNorm after it: the stream x is advanced in place and the norm
// is of the new value. Gated (the self-attention and FFN updates) and plain (cross-attention).
void check_residual_layer_norm_affine(torch::Dtype dtype, int64_t batch, int64_t tokens, int64_t channels, bool gated,
                                      uint64_t seed, bool misaligned_gate = false) {
  torch::manual_seed(seed);
  const auto f32 = torch::TensorOptions().device(kCuda);
  auto x = torch::randn({batch, tokens, channels}, f32) * 3.0 + 40.0;
  const auto update = (torch::randn({batch, tokens, channels}, f32) * 2.0).to(dtype);
  const auto table = torch::randn({batch, 6, channels}, f32) * 0.5;
  // A misaligned gate (4 bytes past a 16-byte boundary, odd batch stride) takes the scalar loads.
  const auto gate = !gated          ? torch::Tensor()
                    : misaligned_gate ? (torch::randn({batch, 1, channels + 1}, f32) * 0.5).narrow(2, 1, channels)
                                      : table.narrow(1, 2, 1);
  const auto shift = table.narrow(1, 3, 1), scale = table.narrow(1, 4, 1);
  BLADE_CHECK(kernels::residual_layer_norm_affine_applies(x, update, gate, scale, shift, dtype),
              "the residual + LayerNorm kernel should take this shape");
  const auto gain = gated ? gate.to(torch::kFloat64) : torch::ones({1}, f32.dtype(torch::kFloat64));
  const auto x64 = x.to(torch::kFloat64) + update.to(torch::kFloat64) * gain;
  const auto* storage_before = x.data_ptr<float>();
  poison_allocator(x.numel() * 4);
  const auto fused = kernels::residual_layer_norm_affine_cuda(x, update, gate, scale, shift, 1e-6, true, dtype);
  const auto centred = x64 - x64.mean(-1, true);
  const auto expected = centred * torch::rsqrt(centred.pow(2).mean(-1, true) + 1e-6) * (scale.to(torch::kFloat64) + 1.0) +
                        shift.to(torch::kFloat64);
  const double stream_error = test::relative_error(x.to(torch::kFloat64), x64);
  const double norm_error = test::relative_error(fused.to(torch::kFloat64), expected);
  fmt::print("residual {} + layer norm -> {} B{} L{} C{}: stream rel {:.2e}, norm rel {:.2e}\n", gated ? "gated" : "plain",
             name(dtype), batch, tokens, channels, stream_error, norm_error);
  BLADE_CHECK(x.data_ptr<float>() == storage_before, "the stream was not updated in place");
  BLADE_CHECK(stream_error <= 1e-6, "updated stream: relative error {} against float64", stream_error);
  BLADE_CHECK(fused.isfinite().all().item<bool>(), "non-finite output (an element not written?)");
  BLADE_CHECK(norm_error <= tolerance(dtype), "residual + LayerNorm {}: relative error {} against float64", name(dtype),
              norm_error);
}

void check_channel_rms_norm(torch::Dtype dtype, const std::vector<int64_t>& shape, bool strided, bool with_bias,
                            bool silu, uint64_t seed) {
  torch::manual_seed(seed);
  const auto options = torch::TensorOptions().device(kCuda);
  const int64_t channels = shape[1];
  torch::Tensor x;
  if (strided) {
    // [B, T, C, H, W] memory seen as [B, C, T, H, W]: what the VAE's resample hands on.
    x = (torch::randn({shape[0], shape[2], shape[1], shape[3], shape[4]}, options) * 1.5).to(dtype).permute(
        {0, 2, 1, 3, 4});
  } else {
    x = (torch::randn(shape, options) * 1.5).to(dtype);
  }
  const auto gamma = (torch::rand({channels, 1, 1, 1}, options) + 0.5).to(dtype);
  const auto bias = with_bias ? (torch::randn({channels, 1, 1, 1}, options) * 0.1).to(dtype) : torch::Tensor();
  BLADE_CHECK(kernels::channel_rms_norm_applies(x, gamma, bias), "the channel norm kernel should take this shape");
  poison_allocator(x.numel() * x.element_size());
  const auto fused = kernels::channel_rms_norm_cuda(x, gamma, bias, silu);
  const auto x64 = x.to(torch::kFloat64);
  auto expected = x64 / torch::linalg_vector_norm(x64, 2, {1}, true).clamp_min(1e-12) * gamma.to(torch::kFloat64) *
                  std::sqrt(static_cast<double>(channels));
  if (with_bias) expected = expected + bias.to(torch::kFloat64);
  if (silu) expected = torch::silu(expected);
  const double error = test::relative_error(fused.to(torch::kFloat64), expected);
  fmt::print("channel rms norm {} {} {}{}{}: rel vs float64 {:.2e}\n", name(dtype), shape_string(shape),
             strided ? "strided " : "", with_bias ? "bias " : "", silu ? "silu" : "", error);
  BLADE_CHECK(fused.is_contiguous(), "the channel norm's output should be contiguous");
  BLADE_CHECK(fused.isfinite().all().item<bool>(), "non-finite output (an element not written?)");
  BLADE_CHECK(error <= tolerance(dtype), "channel RMS norm {}: relative error {} against float64", name(dtype), error);
}

void check_linear_gelu(uint64_t seed) {
  torch::manual_seed(seed);
  const auto options = torch::TensorOptions().device(kCuda).dtype(torch::kBFloat16);
  const auto x = torch::randn({2, 333, 256}, options);
  const auto weight = torch::randn({512, 256}, options) / 16.0;
  const auto bias = torch::randn({512}, options) * 0.1;
  torch::NoGradGuard no_grad;
  const auto fused = models::linear_gelu_tanh(x, weight, bias);
  const auto expected = torch::gelu(torch::linear(x.to(torch::kFloat64), weight.to(torch::kFloat64),
                                                  bias.to(torch::kFloat64)), "tanh");
  const double error = test::relative_error(fused.to(torch::kFloat64), expected);
  fmt::print("linear + gelu(tanh) bf16 [2, 333, 256] x [512, 256]: rel vs float64 {:.2e}\n", error);
  BLADE_CHECK(fused.sizes() == expected.sizes(), "linear + gelu shape {}", shape_string(fused.sizes()));
  BLADE_CHECK(error <= 1e-2, "linear + gelu: relative error {} against float64", error);
}

// A random DiT with real head sizes (so every fused path applies) on the GPU: fused vs composite.
void check_dit_fused_matches_composite(torch::Dtype dtype) {
  models::WanDiTConfig config;
  config.in_channels = 16;
  config.out_channels = 16;
  config.dim = 256;
  config.ffn_dim = 512;
  config.freq_dim = 256;
  config.text_dim = 64;
  config.num_heads = 2;
  config.head_dim = 128;
  config.num_layers = 2;
  config.patch = {1, 2, 2};
  models::WanDiT dit(config, models::WanDiTPlacement{kCuda, dtype, true});
  pipeline::randomize_parameters(*dit, 7);
  torch::manual_seed(11);
  const auto latents = torch::randn({2, 16, 3, 16, 20}, torch::TensorOptions().device(kCuda));
  const auto timestep = torch::tensor({700.0, 250.0}, torch::TensorOptions().device(kCuda));
  const auto context = torch::randn({2, 9, 64}, torch::TensorOptions().device(kCuda)).to(dtype);
  torch::NoGradGuard no_grad;
  // asa-gt: the tokens in Gilbert order for the whole pass and q, k written heads-major by the fused
  // kernel. It keeps every block, so that rounding differences cannot flip a block choice.
  for (const char* backend_name : {"dense", "asa-gt"}) {
    const bool sparse = std::string(backend_name) != "dense";
    attention::AsaSettings settings;
    settings.block_size = 64;
    settings.fixed_sparsity = 0.0;
    const auto run = [&](bool fused_kernels) {
      const FusedKernelsScope scope(fused_kernels);
      auto backend = attention::make_attention_backend(backend_name, settings);
      return dit->forward(latents, timestep, context, *backend, 0).to(torch::kFloat64);
    };
    const auto fused = run(true);
    const auto composite = run(false);
    const double error = test::relative_error(fused, composite);
    fmt::print("random DiT {} {} (dim 256, head 128, 240 tokens, batch 2): fused vs composite rel {:.2e}\n",
               backend_name, name(dtype), error);
    // The CUDA block-sparse kernels attend in bf16 also for a float32 model.
    const double bound = dtype == torch::kFloat32 ? (sparse ? 2e-3 : 1e-5) : 2e-2;
    BLADE_CHECK(error <= bound, "DiT {} {}: fused and composite differ by {}", backend_name, name(dtype), error);
  }
}

// A random VAE decode on the GPU: float32 with fused norms against the composite one (TF32 off,
// so that the norms are all that differs), and the bf16 copy fused at least as close to it as the
// bf16 copy composite.
void check_vae_fused_matches_composite() {
  models::WanVAEConfig config;
  config.base_dim = 32;
  config.z_dim = 4;
  config.num_res_blocks = 1;
  config.latents_mean.assign(4, 0.0);
  config.latents_std.assign(4, 1.0);
  models::WanVAE vae(config);
  vae->to(kCuda);
  pipeline::randomize_parameters(*vae, 5);
  vae->eval();
  auto bf16 = models::cast_wan_vae(vae, torch::kBFloat16);
  torch::manual_seed(3);
  const auto latents = torch::randn({1, 4, 3, 6, 10}, torch::TensorOptions().device(kCuda));
  const bool tf32 = at::globalContext().allowTF32CuDNN();
  at::globalContext().setAllowTF32CuDNN(false);
  const auto decode = [&](models::WanVAE& model, bool fused) {
    const FusedKernelsScope scope(fused);
    return model->decode(latents).to(torch::kFloat64);
  };
  const auto reference = decode(vae, false);
  const auto f32_fused = decode(vae, true);
  const double f32_error = test::relative_error(f32_fused, reference);
  const double bf16_fused = test::relative_error(decode(bf16, true), reference);
  const double bf16_composite = test::relative_error(decode(bf16, false), reference);
  at::globalContext().setAllowTF32CuDNN(tf32);
  fmt::print("random VAE decode [1, 4, 3, 6, 10] -> {}, rel vs f32 composite: f32 fused {:.2e}, bf16 fused {:.2e}, "
             "bf16 composite {:.2e}\n", shape_string(f32_fused.sizes()), f32_error, bf16_fused, bf16_composite);
  BLADE_CHECK(f32_fused.size(2) == 9 && f32_fused.size(3) == 48 && f32_fused.size(4) == 80, "decoded shape {}",
              shape_string(f32_fused.sizes()));
  BLADE_CHECK(f32_error <= 1e-5, "VAE decode f32: fused and composite differ by {}", f32_error);
  BLADE_CHECK(bf16_fused <= 5e-2 && bf16_fused <= 1.25 * bf16_composite,
              "VAE decode bf16: fused {} from float32, composite {}", bf16_fused, bf16_composite);
}

}  // namespace

int main() {
  BLADE_CHECK(torch::cuda::is_available(), "no CUDA device: this test must run on a GPU machine");
  if (!torch::cuda::is_available()) return blade::test::exit_code();
  const uint64_t seed = std::random_device{}();
  fmt::print("seed {}\n", seed);

  for (auto dtype : {torch::kBFloat16, torch::kFloat16, torch::kFloat32}) {
    check_rms_norm_rope(dtype, 2, {3, 5, 7}, 12, 128, true, seed);   // Wan2.1-1.3B's heads
    check_rms_norm_rope(dtype, 1, {2, 3, 5}, 3, 64, true, seed + 1);
    check_rms_norm_rope(dtype, 2, {1, 1, 37}, 12, 128, false, seed + 2);  // cross-attention: no RoPE
    check_rms_norm_rope(dtype, 1, {1, 2, 3}, 40, 128, true, seed + 14);  // Wan2.1-14B's 5120: read twice
    check_rms_norm_rope(dtype, 1, {2, 2, 5}, 15, 128, true, seed + 16);  // 1,920: the last vectors partly filled
    check_rms_norm_rope(dtype, 1, {1, 3, 7}, 12, 128, true, seed + 17, /*misaligned_weight=*/true);
    check_rms_norm_rope(dtype, 1, {2, 3, 4}, 4, 96, true, seed + 18);  // a lane meets several places of a head
    check_rms_norm_rope(dtype, 1, {1, 4, 5}, 6, 128, true, seed + 19);  // float32 held in registers: 6 vectors a lane
    check_rms_norm_rope(dtype, 2, {1, 2, 5}, 8, 128, true, seed + 20);  // and 8
  }
  for (auto dtype : {torch::kBFloat16, torch::kFloat32}) {
    check_layer_norm_affine(dtype, 2, 77, 1536, true, seed + 3);
    check_layer_norm_affine(dtype, 1, 50, 264, false, seed + 4);
    check_layer_norm_affine(dtype, 1, 40, 1800, true, seed + 12);  // the widest row kept in registers, partly
    check_layer_norm_affine(dtype, 1, 20, 5120, false, seed + 13); // Wan2.1-14B's width: the three-pass kernel
    check_residual_layer_norm_affine(dtype, 2, 77, 1536, true, seed + 9);
    check_residual_layer_norm_affine(dtype, 1, 50, 264, false, seed + 10);
    check_residual_layer_norm_affine(dtype, 1, 20, 5120, true, seed + 11);
    check_residual_layer_norm_affine(dtype, 2, 30, 1800, true, seed + 15, /*misaligned_gate=*/true);
  }
  for (auto dtype : {torch::kBFloat16, torch::kFloat32}) {
    check_channel_rms_norm(dtype, {1, 96, 3, 17, 23}, false, false, true, seed + 5);
    check_channel_rms_norm(dtype, {2, 40, 2, 9, 11}, true, true, false, seed + 6);
    check_channel_rms_norm(dtype, {1, 384, 1, 6, 10}, false, true, true, seed + 7);
  }
  check_linear_gelu(seed + 8);
  check_dit_fused_matches_composite(torch::kBFloat16);
  check_dit_fused_matches_composite(torch::kFloat32);
  check_vae_fused_matches_composite();
  return blade::test::exit_code();
}
