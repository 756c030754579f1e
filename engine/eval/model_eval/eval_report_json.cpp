#include "eval/model_eval/eval_report_json.h"

#include <cmath>

namespace blade::eval {
namespace {

using nlohmann::json;

json number(const std::optional<double>& value) {
  if (!value) return nullptr;
  if (std::isinf(*value)) return *value > 0 ? "inf" : "-inf";
  if (std::isnan(*value)) return "nan";
  return *value;
}

json attention_json(const pipeline::AttentionSettings& a) {
  json j = {{"backend", a.backend}};
  if (a.backend == "dense") return j;
  j["sparsity"] = a.asa.fixed_sparsity ? json(*a.asa.fixed_sparsity) : json(nullptr);
  j["tau"] = a.asa.tau;
  j["min_keep"] = a.asa.min_keep;
  j["max_keep"] = a.asa.max_keep;
  j["block_size"] = a.asa.block_size;
  if (a.backend == "asa-gt") j["pool_tokens"] = a.asa.pool_tokens;
  return j;
}

}  // namespace

json to_json(const EvalRow& row) {
  const auto& a = row.accuracy;
  return {{"row", row.name},
          {"model", row.model.string()},
          {"steps", row.steps},
          {"guidance", row.guidance},
          {"shift", row.shift},
          {"attention", attention_json(row.attention)},
          {"clips", row.clips},
          {"quality", a.overall},
          {"accuracy",
           {{"colour", a.colour}, {"shape", a.shape}, {"size", a.size}, {"motion", a.motion}, {"speed", a.speed},
            {"background", a.background}, {"count", a.count}}},
          {"temporal_consistency", row.temporal},
          {"sharpness", row.sharpness},
          {"psnr_db", number(row.psnr_db)},
          {"ssim", number(row.ssim)},
          {"sparsity", row.sparsity},
          {"seconds_per_clip", row.seconds_per_clip}};
}

json to_json(const EvalSkip& skip) { return {{"row", skip.row}, {"skipped", skip.reason}}; }

}  // namespace blade::eval
