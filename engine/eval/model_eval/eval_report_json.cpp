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

}  // namespace

json to_json(const EvalRow& row) {
  const auto& a = row.accuracy;
  return {{"row", row.name},
          {"model", row.model.string()},
          {"steps", row.steps},
          {"guidance", row.guidance},
          {"shift", row.sampler == sampling::SamplerKind::Tdm ? json(nullptr) : json(row.shift)},
          {"sampler", sampling::to_string(row.sampler)},
          {"eta", row.sampler == sampling::SamplerKind::Tdm ? json(row.eta) : json(nullptr)},
          {"attention", pipeline::attention_to_json(row.attention)},
          {"clips", row.clips},
          {"quality", a.overall},
          {"accuracy",
           {{"colour", a.colour}, {"shape", a.shape}, {"size", a.size}, {"motion", a.motion}, {"speed", a.speed},
            {"background", a.background}, {"count", a.count}}},
          {"temporal_consistency", row.temporal},
          {"sharpness", row.sharpness},
          {"travel", number(row.travel)},
          {"psnr_db", number(row.psnr_db)},
          {"ssim", number(row.ssim)},
          {"sparsity", row.sparsity},
          {"seconds_per_clip", row.seconds_per_clip},
          {"objects_found", row.objects_found},
          {"motions_found", row.motions_found}};
}

json to_json(const EvalSkip& skip) { return {{"row", skip.row}, {"skipped", skip.reason}}; }

}  // namespace blade::eval
