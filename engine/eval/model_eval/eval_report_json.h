#pragma once
// Rows of `blade eval` as JSON objects (one per line with --json). Numbers JSON cannot hold are
// written as strings: PSNR of identical clips is "inf"; fidelity without the teacher is null.

#include "eval/model_eval/model_evaluation.h"

#include <nlohmann/json.hpp>

namespace blade::eval {

nlohmann::json to_json(const EvalRow& row);
nlohmann::json to_json(const EvalSkip& skip);  // {"row": ..., "skipped": reason}

}  // namespace blade::eval
