#pragma once
// The median of a list of numbers (the mean of the middle two for an even count); none when empty.
// The judge's one median: blob colours, typical track steps, and row figures that single clips
// must not sway (a fragmented blob can make one clip's growth look many times what was asked).

#include <algorithm>
#include <optional>
#include <vector>

namespace blade::eval {

inline std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) return *middle;
  return (*std::max_element(values.begin(), middle) + *middle) / 2;
}

}  // namespace blade::eval
