#pragma once
// A judgement as JSON, for `blade eval` output and evaluation logs.

#include "eval/judge.h"

#include <nlohmann/json.hpp>

namespace blade::eval {

nlohmann::json to_json(const Judgement& judgement);

}  // namespace blade::eval
