#pragma once
// 8-connected components of a binary mask by flood fill.

#include <cstdint>
#include <vector>

namespace blade::eval {

struct Component {
  std::vector<int64_t> pixels;  // y * width + x
  bool touches_border = false;
};

// mask: height * width bytes, non-zero = foreground. Components smaller than min_pixels are dropped.
std::vector<Component> connected_components(const uint8_t* mask, int64_t height, int64_t width, int64_t min_pixels);

}  // namespace blade::eval
