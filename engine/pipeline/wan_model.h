#pragma once
// A Wan text-to-video model loaded for one device and compute dtype: tokenizer + umT5 text
// encoder, the DiT, the codec (Wan-VAE, or pixels for BLADE-mini) and a latent-to-RGB preview
// projection.

#include "models/dit/wan_dit.h"
#include "models/dit/wan_lora.h"
#include "models/text/text_encoder.h"
#include "pipeline/latent_preview.h"
#include "pipeline/generation_request.h"
#include "pipeline/model_folder.h"
#include "pipeline/model_presets.h"
#include "pipeline/video_codec.h"

#include <memory>
#include <optional>

namespace blade::pipeline {

struct LoadedModelInfo {
  std::string id;
  std::string weights_hash;   // fingerprint of the weight files (see weights_fingerprint)
  ModelLayout layout = ModelLayout::Diffusers;
  std::optional<double> default_shift;  // from scheduler/scheduler_config.json (flow_shift)
};

class WanModel {
 public:
  static std::shared_ptr<WanModel> load(const std::filesystem::path& folder, torch::Device device,
                                        torch::Dtype compute_dtype);
  // The shapes of `preset` with random weights drawn on `device` (benchmarks of the true cost);
  // prompts are tokenised with `tokenizer_model` (any SentencePiece model: only the token count
  // matters for the cost).
  static std::shared_ptr<WanModel> with_random_weights(const ModelPreset& preset, torch::Device device,
                                                       torch::Dtype compute_dtype,
                                                       const std::filesystem::path& tokenizer_model, uint64_t seed = 0);

  models::TextEncoder& text_encoder() { return *text_encoder_; }
  models::WanDiT& dit() { return dit_; }
  VideoCodec& codec() { return *codec_; }
  const LatentPreview& preview() const { return preview_; }
  const LoadedModelInfo& info() const { return info_; }
  torch::Device device() const { return device_; }

  // Puts the transformer in the state `lora` asks for: the base model alone (no file) or with that
  // adapter at that scale, applied at run time so that switching costs no reload. The file is read
  // once and kept. Throws blade::Error naming the file; the model is left as the base alone then.
  void use_lora(const LoraSettings& lora);

  // On a GPU, the text encoder (umT5-XXL: 11 GB in bf16) can live on the CPU between prompts: it
  // is moved to the GPU to encode and back afterwards, which keeps the 1.3B pipeline within a
  // consumer card's memory. Off by default; `blade` turns it on when the card is small.
  void set_text_encoder_offload(bool offload) { offload_text_encoder_ = offload; }
  bool text_encoder_offload() const { return offload_text_encoder_; }
  // Encodes prompts on the model's device, honouring the offload setting.
  torch::Tensor encode_prompts(const std::vector<std::string>& prompts);
  const LoraSettings& active_lora() const { return active_lora_; }
  torch::Dtype compute_dtype() const { return compute_dtype_; }

 private:
  WanModel(std::unique_ptr<models::TextEncoder> text_encoder, models::WanDiT dit, std::unique_ptr<VideoCodec> codec)
      : text_encoder_(std::move(text_encoder)), dit_(std::move(dit)), codec_(std::move(codec)) {}

  std::unique_ptr<models::TextEncoder> text_encoder_;
  models::WanDiT dit_;
  std::unique_ptr<VideoCodec> codec_;
  LatentPreview preview_;
  LoadedModelInfo info_;
  LoraSettings active_lora_;
  bool offload_text_encoder_ = false;
  std::optional<models::LoraWeights> lora_weights_;
  torch::Device device_{torch::kCPU};
  torch::Dtype compute_dtype_ = torch::kFloat32;
};

// A cheap fingerprint of weight files: FNV-1a 64 over each safetensors header and file size (the
// headers hold every tensor's name, shape and byte range). Hashing gigabytes of data would cost
// seconds for every load, the header changes whenever the layout changes, and the size catches
// truncation; two files differing only in tensor values are not told apart.
std::string weights_fingerprint(const std::vector<std::filesystem::path>& files);

}  // namespace blade::pipeline
