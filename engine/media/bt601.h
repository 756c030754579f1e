#pragma once
// BT.601 limited range ("studio swing"), the matrix FFmpeg assumes for an untagged Y4M file: the
// constants the Y4M writer and reader share.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace blade::media::bt601 {

inline constexpr double kRed = 0.299;   // Kr
inline constexpr double kBlue = 0.114;  // Kb
inline constexpr double kGreen = 1.0 - kRed - kBlue;

inline uint8_t to_byte(double value) { return static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L)); }

}  // namespace blade::media::bt601
