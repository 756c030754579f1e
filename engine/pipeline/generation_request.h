#pragma once
// Everything that decides a clip: what programs (CLI, studio) fill in and what is stored in the
// MP4 so that the clip can be made again.

#include "attention/asa_settings.h"
#include "sampling/sampler.h"
#include "sampling/schedule.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace blade::pipeline {

struct AttentionSettings {
  std::string backend = "dense";  // dense | asa | asa-gt (attention::attention_backend_names())
  attention::AsaSettings asa;     // used by asa and asa-gt; asa.fixed_sparsity is the sparsity slider
};

// A LoRA adapter on the transformer (e.g. BLADE's released pytorch_lora_weights.safetensors),
// applied at run time on top of the loaded base model; no file means the base model alone.
struct LoraSettings {
  std::string file;
  double scale = 1.0;  // multiplies the adapter's alpha / rank
};

struct GenerationRequest {
  std::string prompt;
  std::string negative_prompt;
  uint64_t seed = 0;
  int steps = 50;
  double guidance = 5.0;  // classifier-free guidance scale; <= 1 runs the conditional pass only
  double shift = 3.0;     // flow-matching schedule shift
  sampling::SamplerKind sampler = sampling::SamplerKind::UniPC;
  sampling::ScheduleKind schedule = sampling::ScheduleKind::Diffusers;  // not used by tdm (its own timesteps)
  double eta = 0.9;  // tdm only: weight of the predicted noise when re-noising between steps
  int frames = 81;        // 4n + 1
  int width = 832;        // multiple of 16
  int height = 480;       // multiple of 16
  AttentionSettings attention;
  LoraSettings lora;
  std::string device = "cpu";
  std::string dtype = "f32";  // f32 | bf16 (compute dtype of the transformer and text encoder)
  std::string vae_dtype = "f32";  // f32 | bf16 (convolutions of the VAE decode; see VideoCodec)

  // Throws blade::Error(InvalidArgument) naming the first bad field, its value and what is allowed.
  void validate() const;
};

// The attention part alone, as to_json writes it (backend; ASA settings unless dense).
nlohmann::json attention_to_json(const AttentionSettings& attention);
nlohmann::json to_json(const GenerationRequest& request);
GenerationRequest request_from_json(const nlohmann::json& json);  // missing fields keep defaults

}  // namespace blade::pipeline
