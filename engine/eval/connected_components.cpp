#include "eval/connected_components.h"

namespace blade::eval {

std::vector<Component> connected_components(const uint8_t* mask, int64_t height, int64_t width, int64_t min_pixels) {
  std::vector<uint8_t> visited(static_cast<size_t>(height * width), 0);
  std::vector<Component> components;
  std::vector<int64_t> stack;
  for (int64_t start = 0; start < height * width; ++start) {
    if (!mask[start] || visited[start]) continue;
    Component component;
    visited[start] = 1;
    stack.push_back(start);
    while (!stack.empty()) {
      const int64_t index = stack.back();
      stack.pop_back();
      component.pixels.push_back(index);
      const int64_t y = index / width, x = index % width;
      if (x == 0 || y == 0 || x == width - 1 || y == height - 1) component.touches_border = true;
      for (int64_t dy = -1; dy <= 1; ++dy) {
        for (int64_t dx = -1; dx <= 1; ++dx) {
          const int64_t ny = y + dy, nx = x + dx;
          if (ny < 0 || nx < 0 || ny >= height || nx >= width) continue;
          const int64_t next = ny * width + nx;
          if (mask[next] && !visited[next]) {
            visited[next] = 1;
            stack.push_back(next);
          }
        }
      }
    }
    if (static_cast<int64_t>(component.pixels.size()) >= min_pixels) components.push_back(std::move(component));
  }
  return components;
}

}  // namespace blade::eval
