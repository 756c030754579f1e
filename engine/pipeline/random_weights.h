#pragma once
// Random parameters of a plausible scale, drawn on the module's own device: what benchmarks of
// the true shapes run on when the real weights are not at hand.

#include <torch/nn/module.h>

#include <cstdint>

namespace blade::pipeline {

// Norm weights around 1, biases and modulation tables small, matrices and convolution kernels
// N(0, 1/fan_in) so that activations keep their size through the layers.
void randomize_parameters(torch::nn::Module& module, uint64_t seed);

}  // namespace blade::pipeline
