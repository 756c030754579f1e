#include "eval/model_eval/model_recommendation.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace blade::eval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Reader {
  fs::path file;

  template <typename T>
  std::optional<T> get(const json& object, const std::string& key, const std::string& where) const {
    if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) return std::nullopt;
    try {
      return object.at(key).get<T>();
    } catch (const json::exception&) {
      fail(ErrorKind::BadWeights, "{}: \"{}\".\"{}\" has the wrong type: {}", file.string(), where, key,
           object.at(key).dump());
    }
  }
};

attention::AsaSettings asa_settings(const json& asa, const Reader& r) {
  attention::AsaSettings s;
  s.block_size = r.get<int>(asa, "block_size", "asa").value_or(s.block_size);
  s.probe_tokens = r.get<int>(asa, "probe_tokens", "asa").value_or(s.probe_tokens);
  s.tau = r.get<double>(asa, "tau", "asa").value_or(s.tau);
  s.min_keep = r.get<double>(asa, "min_keep", "asa").value_or(s.min_keep);
  s.max_keep = r.get<double>(asa, "max_keep", "asa").value_or(s.max_keep);
  s.pool_tokens = r.get<int>(asa, "pool_tokens", "asa").value_or(s.pool_tokens);
  s.fixed_sparsity = r.get<double>(asa, "fixed_sparsity", "asa");
  const auto rule = r.get<std::string>(asa, "rule", "asa").value_or("paper");
  if (rule != "paper" && rule != "code") {
    fail(ErrorKind::BadWeights, "{}: \"asa\".\"rule\" must be \"paper\" or \"code\", got \"{}\"", r.file.string(), rule);
  }
  s.rule = rule == "code" ? attention::ThresholdRule::Code : attention::ThresholdRule::Paper;
  return s;
}

}  // namespace

ModelRecommendation read_recommendation(const fs::path& folder) {
  ModelRecommendation out;
  const fs::path file = folder / "model_index.json";
  if (!fs::is_regular_file(file)) return out;
  std::ifstream in(file);
  if (!in) fail(ErrorKind::Io, "cannot read {}", file.string());
  json index;
  try {
    index = json::parse(in);
  } catch (const json::exception& e) {
    fail(ErrorKind::BadWeights, "{} is not valid JSON: {}", file.string(), e.what());
  }
  if (!index.is_object() || !index.contains("blade")) return out;
  const json& blade = index.at("blade");
  const Reader r{file};
  if (!blade.is_object()) fail(ErrorKind::BadWeights, "{}: \"blade\" must be an object, got {}", file.string(), blade.dump());

  out.name = r.get<std::string>(blade, "name", "blade").value_or("");
  out.role = r.get<std::string>(blade, "role", "blade").value_or("");
  out.teacher = r.get<std::string>(blade, "teacher", "blade").value_or("");
  if (blade.contains("recommended")) {
    const json& rec = blade.at("recommended");
    if (auto sampler = r.get<std::string>(rec, "sampler", "recommended")) {
      try {
        out.sampler = sampling::parse_sampler_kind(*sampler);
      } catch (const Error& e) {
        fail(ErrorKind::BadWeights, "{}: \"recommended\".\"sampler\": {}", file.string(), e.what());
      }
    }
    out.steps = r.get<int>(rec, "steps", "recommended");
    if (out.steps && *out.steps < 1) {
      fail(ErrorKind::BadWeights, "{}: \"recommended\".\"steps\" must be >= 1, got {}", file.string(), *out.steps);
    }
    out.guidance = r.get<double>(rec, "guidance", "recommended");
    out.shift = r.get<double>(rec, "shift", "recommended");
    out.eta = r.get<double>(rec, "eta", "recommended");
    if (auto backend = r.get<std::string>(rec, "attention", "recommended")) {
      pipeline::AttentionSettings attention;
      attention.backend = *backend;
      if (blade.contains("asa")) attention.asa = asa_settings(blade.at("asa"), r);
      out.attention = attention;
    }
  }
  if (!out.eta) out.eta = r.get<double>(blade, "eta", "blade");
  if (out.eta && !(*out.eta >= 0.0 && *out.eta <= 1.0)) {
    fail(ErrorKind::BadWeights, "{}: \"eta\" must be between 0 and 1, got {}", file.string(), *out.eta);
  }
  if (blade.contains("default_clip")) {
    const json& clip = blade.at("default_clip");
    const auto frames = r.get<int64_t>(clip, "frames", "default_clip");
    const auto height = r.get<int64_t>(clip, "height", "default_clip");
    const auto width = r.get<int64_t>(clip, "width", "default_clip");
    if (!frames || !height || !width) {
      fail(ErrorKind::BadWeights, "{}: \"default_clip\" needs frames, height and width, got {}", file.string(),
           clip.dump());
    }
    out.clip = world::ClipFormat{*frames, *height, *width};
  }
  return out;
}

}  // namespace blade::eval
