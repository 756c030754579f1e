#include "train/flow_matching.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

namespace blade::train {

torch::Tensor sample_training_sigmas(int64_t count, double shift, at::Generator& generator) {
  if (!(shift > 0.0)) fail(ErrorKind::InvalidArgument, "sigma shift must be positive, got {}", shift);
  const auto u = torch::rand({count}, generator, torch::TensorOptions().dtype(torch::kFloat64));
  return u * shift / (1.0 + (shift - 1.0) * u);
}

torch::Tensor timesteps_from_sigmas(const torch::Tensor& sigmas) {
  return torch::floor(sigmas.to(torch::kFloat64) * 1000.0).clamp(0.0, 999.0).to(torch::kFloat32);
}

torch::Tensor per_item(const torch::Tensor& sigmas, torch::Device device) {
  return sigmas.to(device, torch::kFloat32).view({-1, 1, 1, 1, 1});
}

torch::Tensor noisy_sample(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigmas) {
  const auto s = per_item(sigmas, x0.device());
  return (1.0 - s) * x0 + s * noise;
}

torch::Tensor x0_from_velocity(const torch::Tensor& x, const torch::Tensor& velocity, const torch::Tensor& sigmas) {
  return x - per_item(sigmas, x.device()) * velocity;
}

torch::Tensor noise_from_velocity(const torch::Tensor& x, const torch::Tensor& velocity, const torch::Tensor& sigmas) {
  return x + (1.0 - per_item(sigmas, x.device())) * velocity;
}

torch::Tensor diffuse_further(const torch::Tensor& x_from, const torch::Tensor& z, const torch::Tensor& sigma_from,
                              const torch::Tensor& sigma_to) {
  const auto from = sigma_from.to(torch::kFloat64);
  const auto to = sigma_to.to(torch::kFloat64);
  if ((to < from).any().item<bool>()) {
    fail(ErrorKind::Internal, "diffuse_further goes from higher to lower noise");
  }
  const auto a = (1.0 - to) / (1.0 - from).clamp_min(1e-12);
  const auto b = (to * to - (a * from) * (a * from)).clamp_min(0.0).sqrt();
  return per_item(a, x_from.device()) * x_from + per_item(b, x_from.device()) * z;
}

torch::Tensor flow_matching_loss(const torch::Tensor& predicted_velocity, const torch::Tensor& x0,
                                 const torch::Tensor& noise, const torch::Tensor& weights) {
  const auto predicted = predicted_velocity.to(torch::kFloat32);
  const auto target = (noise - x0).to(torch::kFloat32);
  if (!weights.defined()) return torch::mse_loss(predicted, target);
  const auto w = weights.to(predicted.device(), torch::kFloat32).expand_as(predicted);
  return (w * (predicted - target).square()).sum() / w.sum();
}

torch::Tensor temporal_difference_loss(const torch::Tensor& predicted_velocity, const torch::Tensor& x0,
                                       const torch::Tensor& noise, const torch::Tensor& weights) {
  if (predicted_velocity.dim() != 5 || predicted_velocity.size(2) < 2) {
    fail(ErrorKind::InvalidArgument, "the temporal difference loss needs videos [B, C, F, H, W] with F >= 2, got {}",
         shape_string(predicted_velocity.sizes()));
  }
  const auto error = predicted_velocity.to(torch::kFloat32) - (noise - x0).to(torch::kFloat32);
  const int64_t pairs = error.size(2) - 1;
  const auto change = error.narrow(2, 1, pairs) - error.narrow(2, 0, pairs);
  if (!weights.defined()) return change.square().mean();
  const auto w = weights.to(error.device(), torch::kFloat32).expand_as(error);
  const auto pair_weights = torch::maximum(w.narrow(2, 1, pairs), w.narrow(2, 0, pairs));
  return (pair_weights * change.square()).sum() / pair_weights.sum();
}

}  // namespace blade::train
