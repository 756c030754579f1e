#pragma once
// Frame rates as exact fractions for containers (16 -> 16/1, 23.976023976 -> 24000/1001).

#include <cstdint>

namespace blade::media {

struct FrameRate {
  int64_t numerator = 0;
  int64_t denominator = 1;
};

// The closest fraction with a denominator of at most `max_denominator` (continued fractions).
// Throws InvalidArgument for fps that are not finite and positive or above 1000.
FrameRate to_frame_rate(double fps, int64_t max_denominator = 100000);

}  // namespace blade::media
