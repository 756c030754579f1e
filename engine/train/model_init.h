#pragma once
// Random initialisation of models trained from scratch (the engine's modules start zero-filled
// because they are normally loaded from files).
//  - Wan DiT, as the original Wan2.1 init_weights: Linear weights Xavier-uniform with zero biases,
//    the patch embedding Xavier-uniform over its flattened kernel, the text and time embedders
//    normal(0, 0.02), the output projection zero, the modulation tables randn / sqrt(dim), RMS and
//    affine norm weights 1 (bias 0).
//  - umT5, as transformers' T5 _init_weights (factor 1): embedding normal(0, 1), q normal with
//    std (d_model d_kv)^-1/2, k and v d_model^-1/2, o (heads d_kv)^-1/2, relative bias tables
//    d_model^-1/2, wi_0 / wi_1 d_model^-1/2, wo d_ff^-1/2, norm weights 1.

#include "models/dit/wan_dit.h"
#include "models/text/umt5_encoder.h"

#include <ATen/core/Generator.h>

namespace blade::train {

void initialize_wan_dit(models::WanDiTImpl& dit, at::Generator& generator);
void initialize_umt5(models::UMT5EncoderImpl& encoder, at::Generator& generator);

}  // namespace blade::train
