#include "eval/judge_report.h"

namespace blade::eval {

nlohmann::json to_json(const Judgement& judgement) {
  using nlohmann::json;
  json objects = json::array();
  for (const auto& o : judgement.objects) {
    objects.push_back({{"colour", world::to_string(o.colour)},
                       {"shape", world::to_string(o.shape)},
                       {"size", world::to_string(o.size)},
                       {"motion", o.motion ? json(world::to_string(*o.motion)) : json(nullptr)},
                       {"speed", world::to_string(o.speed)},
                       {"shape_iou", o.shape_iou},
                       {"presence", o.presence},
                       {"trend", {{"x", o.path.trend_x}, {"y", o.path.trend_y}, {"log_radius", o.path.log_growth}}}});
  }
  const AttributeScores& s = judgement.scores;
  return {{"background", {{"kind", world::to_string(judgement.background.kind)},
                          {"tone", world::to_string(judgement.background.tone)},
                          {"fit_error", judgement.background_fit_error}}},
          {"objects", objects},
          {"travel", judgement.travel ? json(*judgement.travel) : json(nullptr)},
          {"scores", {{"colour", s.colour}, {"shape", s.shape}, {"size", s.size}, {"motion", s.motion},
                      {"speed", s.speed}, {"background", s.background}, {"count", s.count}, {"overall", s.overall}}},
          {"temporal_consistency", {{"score", judgement.temporal.score}, {"flicker", judgement.temporal.flicker},
                                    {"continuity", judgement.temporal.continuity}}},
          {"sharpness", {{"ratio", judgement.sharpness.ratio}, {"score", judgement.sharpness.score}}}};
}

}  // namespace blade::eval
