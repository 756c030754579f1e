#include "pipeline/latent_preview.h"

#include "core/error.h"
#include "core/log.h"

#include <torch/torch.h>

namespace blade::pipeline {
namespace {
constexpr int64_t kFitLatentSize = 8;
constexpr int kFitSamples = 4;
}  // namespace

void LatentPreview::fit(VideoCodec& codec, torch::Device device) {
  static auto log = blade::log::get("pipeline");
  torch::NoGradGuard no_grad;
  const int64_t channels = codec.latent_channels();
  const int64_t patch = codec.spatial_factor();

  auto generator = at::detail::createCPUGenerator(20240801);
  std::vector<torch::Tensor> inputs, targets;
  for (int i = 0; i < kFitSamples; ++i) {
    auto normalised = at::randn({1, channels, 1, kFitLatentSize, kFitLatentSize}, generator);
    auto video = codec.decode(normalised.to(device)).to(torch::kCPU, torch::kFloat32);  // [1, 3, 1, ph, pw]
    auto colours = torch::avg_pool2d(video.select(2, 0), patch);                        // [1, 3, h, w]
    inputs.push_back(normalised.reshape({channels, -1}).t());
    targets.push_back(colours.reshape({3, -1}).t());
  }
  auto x = torch::cat(inputs);  // [samples, C]
  auto y = torch::cat(targets);
  x = torch::cat({x, torch::ones({x.size(0), 1})}, 1);
  // Ridge-regularised normal equations: stable even when a channel barely moves the colour.
  auto xtx = x.t().matmul(x) + 1e-3 * torch::eye(x.size(1));
  weight_ = torch::linalg_solve(xtx, x.t().matmul(y));
  const double r2 = 1.0 - (x.matmul(weight_) - y).pow(2).sum().item<double>() / (y - y.mean(0)).pow(2).sum().item<double>();
  log->debug("latent preview projection fitted on {} samples, R^2 = {:.3f}", x.size(0), r2);
}

torch::Tensor LatentPreview::render(const torch::Tensor& normalised_latents) const {
  if (!fitted()) fail(ErrorKind::Internal, "latent preview used before it was fitted");
  torch::NoGradGuard no_grad;
  auto z = normalised_latents[0].to(torch::kCPU, torch::kFloat32);  // [C, f, h, w]
  auto flat = z.permute({1, 2, 3, 0});                                 // [f, h, w, C]
  auto rgb = torch::matmul(flat, weight_.slice(0, 0, z.size(0))) + weight_[z.size(0)];
  return ((rgb / 2 + 0.5).clamp(0, 1) * 255).round().to(torch::kUInt8).contiguous();
}

}  // namespace blade::pipeline
