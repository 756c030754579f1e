#pragma once
// Fidelity between two clips of the same shape (e.g. a sparse-attention result against the dense
// one). Inputs are any float layout whose last two dimensions are height and width; every leading
// index is one image plane. data_range is max - min of the value scale: 2 for the VAE's [-1, 1].

#include <torch/types.h>

namespace blade::eval {

// 10 log10(range^2 / MSE) over all elements, in float64; +inf for identical clips.
double psnr(const torch::Tensor& a, const torch::Tensor& b, double data_range = 2.0);

// Mean SSIM (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, over the
// positions where the window fits (no padding), averaged over all image planes; float64.
// Planes must be at least 11x11.
double ssim(const torch::Tensor& a, const torch::Tensor& b, double data_range = 2.0);

}  // namespace blade::eval
