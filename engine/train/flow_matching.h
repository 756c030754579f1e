#pragma once
// Rectified flow as Wan trains it: x_sigma = (1 - sigma) x0 + sigma noise, the model predicts the
// velocity v = noise - x0, and is given the timestep int(sigma * 1000) (what the samplers pass).
//
// Training sigma density: u ~ U[0, 1), sigma = s u / (1 + (s - 1) u) with shift s, i.e. the shift
// map of the inference schedule applied to a uniform variable (s = 1 is uniform sigma; s > 1 puts
// more mass at high noise, p(sigma) = s / (s - (s - 1) sigma)^2).

#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace blade::train {

// [count] float64 on the CPU, in [0, 1).
torch::Tensor sample_training_sigmas(int64_t count, double shift, at::Generator& generator);

// int(sigma * 1000) as float32 (the DiT's timestep input), same device as `sigmas`.
torch::Tensor timesteps_from_sigmas(const torch::Tensor& sigmas);

// sigma per batch item [B] -> a [B, 1, 1, 1, 1] float32 factor on `device` for video tensors.
torch::Tensor per_item(const torch::Tensor& sigmas, torch::Device device);

// (1 - sigma) x0 + sigma noise, sigma per batch item.
torch::Tensor noisy_sample(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigmas);

// x0 = x - sigma v and noise = x + (1 - sigma) v from a velocity prediction at sigma.
torch::Tensor x0_from_velocity(const torch::Tensor& x, const torch::Tensor& velocity, const torch::Tensor& sigmas);
torch::Tensor noise_from_velocity(const torch::Tensor& x, const torch::Tensor& velocity, const torch::Tensor& sigmas);

// Forward diffusion of a sample at sigma_from to sigma_to >= sigma_from with fresh noise z:
// x_to = a x_from + sqrt(sigma_to^2 - (a sigma_from)^2) z with a = (1 - sigma_to) / (1 - sigma_from),
// so that x_to has the marginal (1 - sigma_to) x0 + sigma_to noise.
torch::Tensor diffuse_further(const torch::Tensor& x_from, const torch::Tensor& z, const torch::Tensor& sigma_from,
                              const torch::Tensor& sigma_to);

// Mean squared error over all elements, in float32. With weights (broadcastable to the velocity,
// e.g. [B, 1, F, H, W]): the weighted mean, sum(w e^2) / sum(w), so uniform weights give the plain mean.
torch::Tensor flow_matching_loss(const torch::Tensor& predicted_velocity, const torch::Tensor& x0,
                                 const torch::Tensor& noise, const torch::Tensor& weights = {});

// The mean squared error of the velocity's frame-to-frame differences (videos [B, C, F, H, W], F >=
// 2): e(f + 1) - e(f) for the error e = predicted - (noise - x0). An error that is the same in every
// frame (an object drawn still where it should move leaves a growing one) costs nothing; one that
// changes between frames costs up to four times its plain share. With weights (as above, with a
// frame axis): the pair (f, f + 1) weighs the larger of its two frames' weights.
torch::Tensor temporal_difference_loss(const torch::Tensor& predicted_velocity, const torch::Tensor& x0,
                                       const torch::Tensor& noise, const torch::Tensor& weights = {});

}  // namespace blade::train
