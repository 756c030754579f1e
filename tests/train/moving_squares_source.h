#pragma once
// A trivial clip source for the training tests: one coloured square on a black background moving
// one pixel per frame, "a red square moving left". Clip i is a pure function of (seed, i).

#include "train/clip_source.h"

#include <torch/torch.h>

#include <array>
#include <random>

namespace blade::test {

class MovingSquaresSource final : public train::ClipSource {
 public:
  MovingSquaresSource(train::ClipShape shape, uint64_t seed) : shape_(shape), seed_(seed) {}
  std::string name() const override { return "moving-squares"; }
  train::ClipShape shape() const override { return shape_; }

  train::TrainingClip clip(uint64_t index) override {
    const Choice c = choose(index);
    auto video = torch::full({3, shape_.frames, shape_.height, shape_.width}, -1.0f);
    const int64_t side = std::max<int64_t>(2, shape_.height / 4);
    for (int64_t f = 0; f < shape_.frames; ++f) {
      const int64_t x = wrap(c.x + c.dx * f, shape_.width - side);
      const int64_t y = wrap(c.y + c.dy * f, shape_.height - side);
      for (int64_t ch = 0; ch < 3; ++ch) {
        video[ch][f].narrow(0, y, side).narrow(1, x, side).fill_(kColours[c.colour][ch]);
      }
    }
    return {video, prompt_of(c)};
  }

  std::string prompt(uint64_t index) override { return prompt_of(choose(index)); }

 private:
  struct Choice {
    int colour = 0, direction = 0;
    int64_t x = 0, y = 0, dx = 0, dy = 0;
  };
  static constexpr std::array<std::array<float, 3>, 4> kColours{{{1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}, {1, 1, -1}}};
  static constexpr std::array<const char*, 4> kColourNames{"red", "green", "blue", "yellow"};
  static constexpr std::array<const char*, 4> kDirections{"left", "right", "up", "down"};

  static int64_t wrap(int64_t v, int64_t limit) {
    const int64_t period = 2 * std::max<int64_t>(limit, 1);
    int64_t m = ((v % period) + period) % period;
    return m <= limit ? m : period - m;  // bounce off the borders
  }

  Choice choose(uint64_t index) const {
    std::mt19937_64 random(seed_ * 1000003ull + index);
    Choice c;
    c.colour = static_cast<int>(random() % 4);
    c.direction = static_cast<int>(random() % 4);
    const int64_t side = std::max<int64_t>(2, shape_.height / 4);
    c.x = static_cast<int64_t>(random() % static_cast<uint64_t>(shape_.width - side + 1));
    c.y = static_cast<int64_t>(random() % static_cast<uint64_t>(shape_.height - side + 1));
    c.dx = c.direction == 0 ? -1 : c.direction == 1 ? 1 : 0;
    c.dy = c.direction == 2 ? -1 : c.direction == 3 ? 1 : 0;
    return c;
  }

  static std::string prompt_of(const Choice& c) {
    return std::string("a ") + kColourNames[c.colour] + " square moving " + kDirections[c.direction];
  }

  train::ClipShape shape_;
  uint64_t seed_ = 0;
};

}  // namespace blade::test
