#pragma once
// LoRA adapters for the Wan DiT in the PEFT safetensors format that diffusers writes and BLADE's
// released weights use ("transformer.blocks.0.attn1.to_q.lora_A.weight" / "...lora_B.weight", the
// alpha in the "lora_adapter_metadata" header entry), and the same under the original Wan names
// ("diffusion_model.blocks.0.self_attn.q.lora_A.weight"). Applied at run time or merged into the
// weights.

#include "models/dit/wan_dit.h"

#include <filesystem>
#include <map>
#include <string>

namespace blade::models {

struct LoraAdapter {
  torch::Tensor down;   // lora_A [rank, in_features]
  torch::Tensor up;     // lora_B [out_features, rank]
  double alpha = 0.0;   // the update is (alpha / rank) * up @ down
  int64_t rank() const { return down.size(0); }
};

struct LoraWeights {
  std::filesystem::path file;
  std::map<std::string, LoraAdapter> adapters;  // by diffusers module name, e.g. "blocks.0.attn1.to_q"
};

enum class LoraMode {
  RunTime,  // y = W x + s * B (A x): the base weights stay untouched, the adapter can be removed
  Merged,   // W += s * B A once: no extra cost per step
};

const char* to_string(LoraMode mode);  // "run-time" | "merged"

// Reads and checks the file: every lora_A has its lora_B, ranks agree, tensors are 2-D floats.
// Throws blade::Error (BadWeights) naming the file and the tensor.
LoraWeights load_lora(const std::filesystem::path& file);

struct LoraSummary {
  std::filesystem::path file;
  size_t adapters = 0;
  int64_t rank = 0;  // of the first adapter
};

// The same checks from the file's header alone, without reading the tensors: cheap enough to run
// on the GUI thread when the user picks a file.
LoraSummary inspect_lora(const std::filesystem::path& file);

// Installs every adapter into `dit` with the user's `scale` (multiplies alpha / rank). Throws
// BadWeights naming the file when an adapter targets a module the DiT does not have or its shapes
// do not fit that module ([rank, in] and [out, rank] expected); nothing is changed then.
void apply_lora(WanDiTImpl& dit, const LoraWeights& lora, double scale, LoraMode mode);

// Removes run-time adapters (merged ones are part of the weights).
void remove_lora(WanDiTImpl& dit);

}  // namespace blade::models
