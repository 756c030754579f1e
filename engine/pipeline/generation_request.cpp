#include "pipeline/generation_request.h"

#include "attention/asa_attention.h"
#include "attention/attention_factory.h"
#include "core/error.h"

#include <fmt/ranges.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace blade::pipeline {

void GenerationRequest::validate() const {
  if (steps < 1 || steps > 1000) fail(ErrorKind::InvalidArgument, "steps must be between 1 and 1000, got {}", steps);
  if (frames < 1 || (frames - 1) % 4 != 0) {
    fail(ErrorKind::InvalidArgument, "frames must be 4n+1 (1, 5, 9, ..., 81), got {}", frames);
  }
  if (width < 16 || height < 16 || width % 16 != 0 || height % 16 != 0) {
    fail(ErrorKind::InvalidArgument, "size must be a multiple of 16 in both directions (e.g. 832x480), got {}x{}",
         width, height);
  }
  if (!(guidance >= 0.0 && guidance <= 50.0)) {
    fail(ErrorKind::InvalidArgument, "guidance must be between 0 and 50, got {}", guidance);
  }
  if (!(shift > 0.0 && shift <= 100.0)) fail(ErrorKind::InvalidArgument, "shift must be in (0, 100], got {}", shift);
  if (!(eta >= 0.0 && eta <= 1.0)) fail(ErrorKind::InvalidArgument, "eta must be between 0 and 1, got {}", eta);
  const auto backends = attention::attention_backend_names();
  if (std::find(backends.begin(), backends.end(), attention.backend) == backends.end()) {
    fail(ErrorKind::InvalidArgument, "unknown attention back end '{}': expected one of {}", attention.backend,
         fmt::join(backends, ", "));
  }
  if (attention.backend != "dense") attention::validate_asa_settings(attention.asa);
  if (!(lora.scale >= -10.0 && lora.scale <= 10.0)) {
    fail(ErrorKind::InvalidArgument, "the LoRA scale must be between -10 and 10, got {}", lora.scale);
  }
  if (dtype != "f32" && dtype != "bf16") fail(ErrorKind::InvalidArgument, "dtype must be f32 or bf16, got '{}'", dtype);
  if (vae_dtype != "f32" && vae_dtype != "bf16") {
    fail(ErrorKind::InvalidArgument, "vae_dtype must be f32 or bf16, got '{}'", vae_dtype);
  }
}

nlohmann::json attention_to_json(const AttentionSettings& a) {
  nlohmann::json j = {{"backend", a.backend}};
  if (a.backend == "dense") return j;
  j["block_size"] = a.asa.block_size;
  j["probe_tokens"] = a.asa.probe_tokens;
  j["tau"] = a.asa.tau;
  j["min_keep"] = a.asa.min_keep;
  j["max_keep"] = a.asa.max_keep;
  j["pool_tokens"] = a.asa.pool_tokens;
  if (a.asa.fixed_sparsity) j["sparsity"] = *a.asa.fixed_sparsity;
  if (a.asa.seed) j["probe_seed"] = *a.asa.seed;
  return j;
}

namespace {

AttentionSettings attention_from_json(const nlohmann::json& j) {
  AttentionSettings a;
  a.backend = j.value("backend", a.backend);
  a.asa.block_size = j.value("block_size", a.asa.block_size);
  a.asa.probe_tokens = j.value("probe_tokens", a.asa.probe_tokens);
  a.asa.tau = j.value("tau", a.asa.tau);
  a.asa.min_keep = j.value("min_keep", a.asa.min_keep);
  a.asa.max_keep = j.value("max_keep", a.asa.max_keep);
  a.asa.pool_tokens = j.value("pool_tokens", a.asa.pool_tokens);
  if (j.contains("sparsity")) a.asa.fixed_sparsity = j.at("sparsity").get<double>();
  if (j.contains("probe_seed")) a.asa.seed = j.at("probe_seed").get<uint64_t>();
  return a;
}

}  // namespace

nlohmann::json to_json(const GenerationRequest& r) {
  nlohmann::json j = {
      {"prompt", r.prompt},
      {"negative_prompt", r.negative_prompt},
      {"seed", r.seed},
      {"steps", r.steps},
      {"guidance", r.guidance},
      {"shift", r.shift},
      {"sampler", sampling::to_string(r.sampler)},
      {"schedule", sampling::to_string(r.schedule)},
      {"eta", r.eta},
      {"frames", r.frames},
      {"width", r.width},
      {"height", r.height},
      {"attention", attention_to_json(r.attention)},
      {"device", r.device},
      {"dtype", r.dtype},
      {"vae_dtype", r.vae_dtype},
  };
  if (!r.lora.file.empty()) j["lora"] = {{"file", r.lora.file}, {"scale", r.lora.scale}};
  return j;
}

GenerationRequest request_from_json(const nlohmann::json& j) {
  GenerationRequest r;
  try {
    r.prompt = j.value("prompt", r.prompt);
    r.negative_prompt = j.value("negative_prompt", r.negative_prompt);
    r.seed = j.value("seed", r.seed);
    r.steps = j.value("steps", r.steps);
    r.guidance = j.value("guidance", r.guidance);
    r.shift = j.value("shift", r.shift);
    if (j.contains("sampler")) r.sampler = sampling::parse_sampler_kind(j.at("sampler").get<std::string>());
    if (j.contains("schedule")) r.schedule = sampling::parse_schedule_kind(j.at("schedule").get<std::string>());
    r.eta = j.value("eta", r.eta);
    r.frames = j.value("frames", r.frames);
    r.width = j.value("width", r.width);
    r.height = j.value("height", r.height);
    if (j.contains("attention")) r.attention = attention_from_json(j.at("attention"));
    r.device = j.value("device", r.device);
    r.dtype = j.value("dtype", r.dtype);
    r.vae_dtype = j.value("vae_dtype", r.vae_dtype);
    if (j.contains("lora")) {
      r.lora.file = j.at("lora").value("file", r.lora.file);
      r.lora.scale = j.at("lora").value("scale", r.lora.scale);
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::InvalidArgument, "the stored generation settings are malformed: {}", e.what());
  }
  return r;
}

}  // namespace blade::pipeline
