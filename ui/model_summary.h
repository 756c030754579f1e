#pragma once
// Reads what the studio needs to know about a Wan model folder (layers, heads, size and frame
// constraints, default schedule shift) from its configs and tensor headers, without loading any
// weights, so that the model picker can check a folder the moment it is chosen.

#include "ui/studio_types.h"

namespace blade::ui {

// Throws blade::Error (BadWeights, Io) naming the folder and what is missing.
ModelSummary inspect_model_folder(const QString& folder);

}  // namespace blade::ui
