#pragma once
// Clips with known content, image error measures and file helpers shared by the media tests.

#include "core/clip.h"
#include "core/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <numbers>
#include <string>
#include <vector>

namespace blade::test {

// Smooth random colour waves drifting over time plus a square moving 3 pixels a frame: content
// like a generated video, so the encoder's error stays small, and every frame differs from its
// neighbours, so frame order and offsets show.
inline torch::Tensor moving_frames(int64_t count, int64_t height, int64_t width) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  const auto phase = torch::rand({3}, options) * 2 * std::numbers::pi;
  const auto frequency = 0.5 + torch::rand({3}, options) * 1.5;
  const auto t = torch::arange(count, options).view({count, 1, 1, 1}) / count;
  const auto y = torch::arange(height, options).view({1, height, 1, 1}) / height;
  const auto x = torch::arange(width, options).view({1, 1, width, 1}) / width;
  auto frames = 128.0 + 90.0 * torch::sin(2 * std::numbers::pi * (frequency * x + 0.5 * y + t) + phase);
  frames = frames.expand({count, height, width, 3}).clone();
  const int64_t side = std::max<int64_t>(4, height / 4);
  const auto colour = torch::rand({3}, options) * 255;
  for (int64_t f = 0; f < count; ++f) {
    const int64_t left = (3 * f) % (width - side), top = height / 3;
    frames[f].slice(0, top, top + side).slice(1, left, left + side).copy_(colour.view({1, 1, 3}));
  }
  return frames.round().clamp(0, 255).to(torch::kUInt8).contiguous();
}

inline Clip make_clip(torch::Tensor frames, double fps, std::map<std::string, std::string> metadata = {}) {
  Clip clip;
  clip.frames = std::move(frames);
  clip.fps = fps;
  clip.metadata = std::move(metadata);
  return clip;
}

inline double mean_abs_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().mean().item<double>();
}

inline double psnr(const torch::Tensor& a, const torch::Tensor& b) {
  const double mse = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).square().mean().item<double>();
  return mse == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(255.0 * 255.0 / mse);
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The names in `folder`, sorted.
inline std::vector<std::string> names_in(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// What `action` threw: thrown is false when it returned normally.
struct Caught {
  bool thrown = false;
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
};

inline Caught caught(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return {true, e.kind(), e.what()};
  }
  return {};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace blade::test
