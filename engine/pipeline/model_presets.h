#pragma once
// The published model sizes, for benchmarks on random weights of the true shapes
// (blade bench pipeline --random-weights NAME) and for checking a loaded model's shapes.

#include "models/dit/wan_dit_config.h"
#include "models/text/umt5_config.h"
#include "models/vae/wan_vae_config.h"

#include <string>
#include <vector>

namespace blade::pipeline {

struct ModelPreset {
  std::string name;
  models::WanDiTConfig dit;
  models::UMT5Config text_encoder;
  models::WanVAEConfig vae;
  double flow_shift = 3.0;
};

// "wan2.1-t2v-1.3b", "wan2.1-t2v-14b", and "wan-tiny" (the shapes of the test fixture).
std::vector<std::string> model_preset_names();
// Throws InvalidArgument listing the known names.
ModelPreset model_preset(const std::string& name);

}  // namespace blade::pipeline
