#pragma once
// Which of the world's backgrounds a clip shows. The per-pixel temporal median removes moving
// objects; it is compared with every background the world can render by a trimmed mean error
// (the worst 40% of pixels are ignored, as still objects may survive the median). Stripes and
// checks are tried at every offset within their period (in eighths), so a pattern drawn shifted is
// still recognised, and the template used for the objects' foreground is the shifted one.

#include "world/attributes.h"

#include <torch/types.h>

namespace blade::eval {

struct BackgroundEstimate {
  world::Background background;
  torch::Tensor image;         // [3, H, W] in [0, 1]: the template at its best offset, plus the clip's colour cast
  torch::Tensor cast;          // [3]: that colour cast (per channel, the median difference from the template)
  double fit_error = 0.0;      // trimmed mean absolute error per channel of the chosen template
  double runner_up_error = 0.0;
};

// frames: [3, F, H, W] in [0, 1].
BackgroundEstimate estimate_background(const torch::Tensor& frames);

}  // namespace blade::eval
