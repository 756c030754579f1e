#pragma once
// The rows of `blade eval`, in output order, and the generation settings of each:
//   teacher-50-dense   the teacher as recommended (50 steps, its guidance, sampler and shift)
//   teacher-8-dense    the same with 8 steps: what a plain step cut gives
//   teacher-50-asa     the teacher at 50 steps with ASA at a fixed sparsity of 0.8 and no training
//                      for it: what sparsity alone costs
//   student-8-dense    the 8-step student as recommended but with dense attention
//   student-8-asa-gt   the 8-step student as recommended (ASA-GT with the settings it was trained with)
//   student-4-asa-gt   the 4-step student as recommended

#include "eval/model_eval/model_recommendation.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace blade::eval {

enum class ModelSlot { Teacher = 1, Student8, Student4 };

const char* to_string(ModelSlot slot);  // "teacher", "8-step student", "4-step student"

inline constexpr double kTeacherAsaSparsity = 0.8;
inline constexpr const char* kReferenceRow = "teacher-50-dense";  // what fidelity is measured against

struct EvalRowSpec {
  std::string name;
  ModelSlot slot = ModelSlot::Teacher;
  int steps = 50;
  double guidance = 5.0;
  std::optional<double> shift;  // none: the shift of the model's scheduler config
  sampling::SamplerKind sampler = sampling::SamplerKind::UniPC;
  double eta = 0.9;  // tdm sampler only
  pipeline::AttentionSettings attention;
};

// The names of the rows a model slot gives, in output order.
std::vector<std::string> row_names(ModelSlot slot);

// The rows of the model in `folder` from what it recommends (teacher guidance 5 and students 1 when
// it says nothing). Throws InvalidArgument when a student recommends another step count than its
// slot's (a 4-step student given as the 8-step one).
std::vector<EvalRowSpec> rows_for(ModelSlot slot, const std::filesystem::path& folder,
                                  const ModelRecommendation& recommended);

}  // namespace blade::eval
