#pragma once
// Generalised Hilbert ("gilbert") order of a 3D token grid of any size (not only powers of two).
// Token raster index: f * height * width + h * width + w (the DiT's patch order). A contiguous run
// of the curve is a compact 3D region, which is what makes 128-token attention blocks meaningful.

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <vector>

namespace blade::attention {

// order[i] = raster index of the i-th cell along the curve. Throws InvalidArgument for sizes < 1.
std::vector<int64_t> gilbert_order(int64_t frames, int64_t height, int64_t width);

// inverse[raster] = position along the curve (inverse permutation of `order`).
std::vector<int64_t> invert_permutation(const std::vector<int64_t>& order);

struct GilbertPermutation {
  torch::Tensor order;    // int64 [tokens]: gather with it to go from raster to curve order
  torch::Tensor inverse;  // int64 [tokens]: gather with it to go back to raster order
};

// Cached per grid (thread-safe); the tensors live on the CPU and are shared, do not modify them.
GilbertPermutation gilbert_permutation(const std::array<int64_t, 3>& grid);

}  // namespace blade::attention
