#pragma once
// What a model folder written by `blade train` or `blade distill` says about running it, from the
// "blade" entry of its model_index.json: the recommended sampler, steps, guidance and shift, the
// attention a student was trained with (back end and ASA settings) and the default clip format.
// Folders without that entry (e.g. Wan2.1 releases) give an empty recommendation.

#include "pipeline/generation_request.h"
#include "world/scene.h"

#include <filesystem>
#include <optional>
#include <string>

namespace blade::eval {

struct ModelRecommendation {
  std::string name;  // "blade"."name", else empty
  std::string role;  // "teacher", "student", or empty
  std::string teacher;  // a student's "blade"."teacher": the name of the model it was distilled from
  std::optional<sampling::SamplerKind> sampler;
  std::optional<int> steps;
  std::optional<double> guidance;
  std::optional<double> shift;
  std::optional<double> eta;  // "recommended"."eta", else the distillation's "blade"."eta"
  std::optional<pipeline::AttentionSettings> attention;  // "recommended"."attention" with "blade"."asa"
  std::optional<world::ClipFormat> clip;                 // "blade"."default_clip"
};

// Throws BadWeights naming model_index.json and the key when an entry has the wrong type or value.
ModelRecommendation read_recommendation(const std::filesystem::path& folder);

}  // namespace blade::eval
