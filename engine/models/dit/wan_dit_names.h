#pragma once
// The one place that knows how Wan DiT tensors are named: the original Wan2.1 checkpoints
// ("blocks.0.self_attn.q.weight") and diffusers' WanTransformer3DModel ("blocks.0.attn1.to_q.weight").
// The module's own parameter names are the diffusers names.

#include <string>
#include <vector>

namespace blade::io {
class WeightStore;
}

namespace blade::models {

enum class WanNameLayout { Diffusers = 1, Original };

const char* to_string(WanNameLayout layout);  // "diffusers" | "original"

// Decides from marker tensors (the time projection); throws BadWeights naming `source` and a few
// of the names found when the names are neither layout.
WanNameLayout detect_dit_layout(const std::vector<std::string>& names, const std::string& source);
WanNameLayout detect_dit_layout(const io::WeightStore& store);

// Names the map does not know (not a T2V DiT tensor) come back unchanged.
std::string original_to_diffusers_dit_name(const std::string& original);
std::string diffusers_to_original_dit_name(const std::string& diffusers);

}  // namespace blade::models
