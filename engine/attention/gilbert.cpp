#include "attention/gilbert.h"

#include "core/error.h"

#include <cstdlib>
#include <map>
#include <mutex>

namespace blade::attention {
namespace {

// An axis-aligned extent: exactly one component is non-zero for a non-empty box side.
struct Step {
  int64_t x = 0, y = 0, z = 0;
  Step operator+(const Step& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Step operator-(const Step& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Step operator-() const { return {-x, -y, -z}; }
  int64_t length() const { return std::llabs(x + y + z); }
};

int64_t sign(int64_t v) { return (v > 0) - (v < 0); }
Step unit(const Step& s) { return {sign(s.x), sign(s.y), sign(s.z)}; }
// Floor division by two, as in the published construction (it matters for negative odd extents).
int64_t floor_half(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }
Step floor_half(const Step& s) { return {floor_half(s.x), floor_half(s.y), floor_half(s.z)}; }

class CurveBuilder {
 public:
  CurveBuilder(int64_t height, int64_t width, std::vector<int64_t>& out) : height_(height), width_(width), out_(out) {}

  // Fills the box at `p` spanned by a (the direction the curve travels), b and c, entering at p
  // and leaving at the far end of a.
  void fill(Step p, Step a, Step b, Step c) {
    const int64_t w = a.length(), h = b.length(), d = c.length();
    if (w == 0 || h == 0 || d == 0) return;
    const Step da = unit(a), db = unit(b), dc = unit(c);
    if (h == 1 && d == 1) return walk(p, da, w);
    if (w == 1 && d == 1) return walk(p, db, h);
    if (w == 1 && h == 1) return walk(p, dc, d);

    // Halves, rounded so that the halves have even length where possible: an even side lets the
    // sub-curve end on the correct corner, odd ones force a diagonal step.
    Step a2 = floor_half(a), b2 = floor_half(b), c2 = floor_half(c);
    if (a2.length() % 2 == 1 && w > 2) a2 = a2 + da;
    if (b2.length() % 2 == 1 && h > 2) b2 = b2 + db;
    if (c2.length() % 2 == 1 && d > 2) c2 = c2 + dc;

    if (2 * w > 3 * h && 2 * w > 3 * d) {  // long along a: two halves side by side
      fill(p, a2, b, c);
      fill(p + a2, a - a2, b, c);
    } else if (3 * h > 4 * d) {  // flat in c: U-turn in the a-b plane
      fill(p, b2, c, a2);
      fill(p + b2, a, b - b2, c);
      fill(p + (a - da) + (b2 - db), -b2, c, -(a - a2));
    } else if (3 * d > 4 * h) {  // flat in b: U-turn in the a-c plane
      fill(p, c2, a2, b);
      fill(p + c2, a, b, c - c2);
      fill(p + (a - da) + (c2 - dc), -c2, -(a - a2), b);
    } else {  // the 3D Hilbert template with five parts
      fill(p, b2, c2, a2);
      fill(p + b2, c, a2, b - b2);
      fill(p + (b2 - db) + (c - dc), a, -b2, -(c - c2));
      fill(p + (a - da) + b2 + (c - dc), -c, -(a - a2), b - b2);
      fill(p + (a - da) + (b2 - db), -b2, c2, -(a - a2));
    }
  }

 private:
  void walk(Step p, const Step& direction, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      out_.push_back(p.z * height_ * width_ + p.y * width_ + p.x);  // x = w, y = h, z = f
      p = p + direction;
    }
  }

  int64_t height_;
  int64_t width_;
  std::vector<int64_t>& out_;
};

}  // namespace

std::vector<int64_t> gilbert_order(int64_t frames, int64_t height, int64_t width) {
  if (frames < 1 || height < 1 || width < 1) {
    fail(ErrorKind::InvalidArgument, "gilbert_order: grid (frames, height, width) must be positive, got ({}, {}, {})",
         frames, height, width);
  }
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(frames * height * width));
  CurveBuilder builder(height, width, order);
  const Step along_w{width, 0, 0}, along_h{0, height, 0}, along_f{0, 0, frames};
  // Start along the longest side (x = width, y = height, z = frames).
  if (width >= height && width >= frames) {
    builder.fill({}, along_w, along_h, along_f);
  } else if (height >= width && height >= frames) {
    builder.fill({}, along_h, along_w, along_f);
  } else {
    builder.fill({}, along_f, along_w, along_h);
  }
  if (static_cast<int64_t>(order.size()) != frames * height * width) {
    fail(ErrorKind::Internal, "gilbert_order: curve for grid ({}, {}, {}) has {} cells, expected {}", frames, height,
         width, order.size(), frames * height * width);
  }
  return order;
}

std::vector<int64_t> invert_permutation(const std::vector<int64_t>& order) {
  std::vector<int64_t> inverse(order.size(), -1);
  for (size_t i = 0; i < order.size(); ++i) {
    const int64_t target = order[i];
    if (target < 0 || target >= static_cast<int64_t>(order.size()) || inverse[static_cast<size_t>(target)] != -1) {
      fail(ErrorKind::Internal, "invert_permutation: entry {} = {} is out of range or repeated", i, target);
    }
    inverse[static_cast<size_t>(target)] = static_cast<int64_t>(i);
  }
  return inverse;
}

GilbertPermutation gilbert_permutation(const std::array<int64_t, 3>& grid) {
  static std::mutex mutex;
  static std::map<std::array<int64_t, 3>, GilbertPermutation> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(grid); it != cache.end()) return it->second;
  }
  // Build outside the lock (the Wan grid takes a few ms); a racing builder produces the same result.
  auto order = gilbert_order(grid[0], grid[1], grid[2]);
  auto inverse = invert_permutation(order);
  const auto n = static_cast<int64_t>(order.size());
  GilbertPermutation made{torch::from_blob(order.data(), {n}, torch::kInt64).clone(),
                          torch::from_blob(inverse.data(), {n}, torch::kInt64).clone()};
  std::lock_guard<std::mutex> lock(mutex);
  return cache.emplace(grid, std::move(made)).first->second;
}

}  // namespace blade::attention
