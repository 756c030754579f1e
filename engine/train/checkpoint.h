#pragma once
// Training checkpoints in a run folder: "checkpoint-<iteration>.safetensors" (every tensor of the
// state: weights, EMA, optimizer moments, generator states) and "checkpoint.json", the side file
// that names it and holds the rest (iteration, data cursor, options, model config). Both are
// written through a temporary file and a rename; the JSON is written last, so it always names a
// complete tensor file, and older tensor files are removed only after it is in place.

#include "train/named_tensors.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>

namespace blade::train {

struct Checkpoint {
  nlohmann::json info;                          // the side file, "tensors" names the tensor file
  std::map<std::string, torch::Tensor> tensors;  // CPU, stored dtypes
  std::filesystem::path source;                 // the tensor file, for messages
};

// `kind` ("teacher", "distill") is stored and checked on load. info gets "kind", "iteration",
// "tensors" and "format" added.
void save_checkpoint(const std::filesystem::path& run_dir, const std::string& kind, int64_t iteration,
                     const NamedTensors& tensors, nlohmann::json info);

bool has_checkpoint(const std::filesystem::path& run_dir);
// Only the side file (cheap): for reading options before building the models.
nlohmann::json read_checkpoint_info(const std::filesystem::path& run_dir, const std::string& kind);
// Throws Io when there is none, BadWeights when it is unreadable or of another kind.
Checkpoint load_checkpoint(const std::filesystem::path& run_dir, const std::string& kind);

}  // namespace blade::train
