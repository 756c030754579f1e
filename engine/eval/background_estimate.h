#pragma once
// Which of the world's backgrounds a clip shows. The per-pixel temporal median removes moving
// objects; it is compared with every background the world can render by a trimmed mean error
// (the worst 40% of pixels are ignored, as still objects may survive the median).

#include "world/attributes.h"

#include <torch/types.h>

namespace blade::eval {

struct BackgroundEstimate {
  world::Background background;
  torch::Tensor image;         // [3, H, W] in [0, 1]: the template, shifted by the clip's colour cast
  double fit_error = 0.0;      // trimmed mean absolute error per channel of the chosen template
  double runner_up_error = 0.0;
};

// frames: [3, F, H, W] in [0, 1].
BackgroundEstimate estimate_background(const torch::Tensor& frames);

}  // namespace blade::eval
