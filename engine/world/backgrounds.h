#pragma once
// The four static backgrounds, each a base tone with a smooth (learnable) pattern:
// solid, vertical gradient (light at the top), diagonal stripes, checkerboard.

#include "world/attributes.h"

#include <torch/types.h>

namespace blade::world {

// [3, H, W] display RGB in [0, 1].
torch::Tensor render_background(const Background& background, int64_t height, int64_t width,
                                const torch::TensorOptions& options = torch::kFloat32);

}  // namespace blade::world
