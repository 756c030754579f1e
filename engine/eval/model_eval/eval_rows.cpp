#include "eval/model_eval/eval_rows.h"

#include "core/error.h"
#include "core/log.h"

namespace blade::eval {
namespace {

int student_steps(ModelSlot slot) { return slot == ModelSlot::Student4 ? 4 : 8; }

EvalRowSpec base_row(ModelSlot slot, const ModelRecommendation& recommended, double default_guidance) {
  EvalRowSpec row;
  row.slot = slot;
  row.sampler = recommended.sampler.value_or(sampling::SamplerKind::UniPC);
  row.eta = recommended.eta.value_or(row.eta);
  row.guidance = recommended.guidance.value_or(default_guidance);
  row.shift = recommended.shift;
  return row;
}

EvalRowSpec with(EvalRowSpec row, std::string name, int steps, pipeline::AttentionSettings attention) {
  row.name = std::move(name);
  row.steps = steps;
  row.attention = std::move(attention);
  return row;
}

}  // namespace

const char* to_string(ModelSlot slot) {
  switch (slot) {
    case ModelSlot::Teacher: return "teacher";
    case ModelSlot::Student8: return "8-step student";
    case ModelSlot::Student4: return "4-step student";
  }
  return "?";
}

std::vector<std::string> row_names(ModelSlot slot) {
  switch (slot) {
    case ModelSlot::Teacher: return {"teacher-50-dense", "teacher-8-dense", "teacher-50-asa"};
    case ModelSlot::Student8: return {"student-8-dense", "student-8-asa-gt"};
    case ModelSlot::Student4: return {"student-4-asa-gt"};
  }
  return {};
}

std::vector<EvalRowSpec> rows_for(ModelSlot slot, const std::filesystem::path& folder,
                                  const ModelRecommendation& recommended) {
  static auto log = blade::log::get("eval");
  const auto names = row_names(slot);
  const pipeline::AttentionSettings dense;
  if (slot == ModelSlot::Teacher) {
    if (recommended.role == "student") {
      log->warn("the teacher folder {} holds a student model (\"blade\".\"role\" is \"student\")", folder.string());
    }
    const EvalRowSpec base = base_row(slot, recommended, 5.0);
    pipeline::AttentionSettings asa;
    asa.backend = "asa";
    asa.asa.fixed_sparsity = kTeacherAsaSparsity;
    return {with(base, names[0], 50, dense), with(base, names[1], 8, dense), with(base, names[2], 50, asa)};
  }

  const int steps = student_steps(slot);
  if (recommended.steps && *recommended.steps != steps) {
    fail(ErrorKind::InvalidArgument, "the {} folder '{}' recommends {} steps (model_index.json \"blade\".\"recommended\"); "
         "expected a {}-step student", to_string(slot), folder.string(), *recommended.steps, steps);
  }
  if (recommended.role == "teacher") {
    log->warn("the {} folder {} holds a teacher model (\"blade\".\"role\" is \"teacher\")", to_string(slot),
              folder.string());
  }
  pipeline::AttentionSettings asa_gt;
  asa_gt.backend = "asa-gt";
  if (recommended.attention) {
    if (recommended.attention->backend == "asa-gt") {
      asa_gt = *recommended.attention;
    } else {
      log->warn("the {} folder {} was trained with {} attention; its asa-gt row uses the default ASA-GT settings",
                to_string(slot), folder.string(), recommended.attention->backend);
    }
  }
  const EvalRowSpec base = base_row(slot, recommended, 1.0);
  if (slot == ModelSlot::Student8) return {with(base, names[0], steps, dense), with(base, names[1], steps, asa_gt)};
  return {with(base, names[0], steps, asa_gt)};
}

}  // namespace blade::eval
