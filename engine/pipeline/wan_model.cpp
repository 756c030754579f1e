#include "pipeline/wan_model.h"

#include "core/error.h"
#include "core/gpu_memory.h"
#include "core/log.h"
#include "io/weight_store.h"
#include "pipeline/pixel_codec.h"
#include "pipeline/random_weights.h"
#include "pipeline/wan_vae_codec.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

namespace blade::pipeline {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> safetensors_files_under(const fs::path& path) {
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::recursive_directory_iterator(path)) {
      if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
    }
  } else if (path.extension() == ".safetensors") {
    files.push_back(path);
  } else {
    for (const auto& entry : fs::directory_iterator(path.parent_path())) {
      if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<double> read_flow_shift(const std::optional<fs::path>& scheduler_config) {
  if (!scheduler_config) return std::nullopt;
  std::ifstream in(*scheduler_config);
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.contains("flow_shift") || !json["flow_shift"].is_number()) return std::nullopt;
  return json["flow_shift"].get<double>();
}

}  // namespace

std::string weights_fingerprint(const std::vector<fs::path>& files) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) {
      hash ^= bytes[i];
      hash *= 1099511628211ull;
    }
  };
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    uint64_t header_size = 0;
    in.read(reinterpret_cast<char*>(&header_size), sizeof header_size);
    const uint64_t file_size = fs::file_size(file);
    header_size = std::min<uint64_t>(header_size, file_size > 8 ? file_size - 8 : 0);
    std::string header(header_size, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header_size));
    mix(header.data(), header.size());
    mix(&file_size, sizeof file_size);
  }
  return fmt::format("fnv1a64:{:016x}", hash);
}

std::shared_ptr<WanModel> WanModel::load(const fs::path& path, torch::Device device, torch::Dtype compute_dtype) {
  static auto log = blade::log::get("pipeline");
  const auto start = std::chrono::steady_clock::now();
  const ModelFolder folder = locate_model(path);
  log->info("loading {} ({} layout) on {} in {}", folder.root.string(), to_string(folder.layout), device.str(),
            c10::toString(compute_dtype));
  try {
    auto tokenizer = models::PromptTokenizer::load(folder.tokenizer_model);
    auto encoder = models::load_umt5_encoder(io::WeightStore::open(folder.text_encoder), device, compute_dtype);
    auto text_encoder =
        std::make_unique<models::TextEncoder>(std::move(tokenizer), std::move(encoder), folder.text_len);
    auto dit = models::load_wan_dit(io::WeightStore::open(folder.transformer), device, compute_dtype);
    std::unique_ptr<VideoCodec> codec;
    if (folder.codec == CodecKind::Pixel) {
      codec = std::make_unique<PixelCodec>(device);
    } else {
      codec = std::make_unique<WanVaeCodec>(models::load_wan_vae(io::WeightStore::open(folder.vae), device));
    }
    if (codec->latent_channels() != dit->config().in_channels) {
      fail(ErrorKind::BadWeights, "the {} codec has {} latent channels but the transformer takes {}", codec->name(),
           codec->latent_channels(), dit->config().in_channels);
    }

    std::shared_ptr<WanModel> model(new WanModel(std::move(text_encoder), std::move(dit), std::move(codec)));
    model->device_ = device;
    model->compute_dtype_ = compute_dtype;
    model->preview_.fit(*model->codec_, device);

    std::vector<fs::path> files;
    std::vector<fs::path> parts{folder.text_encoder, folder.transformer};
    if (folder.codec == CodecKind::WanVae) parts.push_back(folder.vae);
    for (const auto& part : parts) {
      auto more = safetensors_files_under(part);
      files.insert(files.end(), more.begin(), more.end());
    }
    model->info_ = {folder.id, weights_fingerprint(files), folder.layout, read_flow_shift(folder.scheduler_config)};
    log->info("model '{}' loaded in {:.2f} s ({})", folder.id,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), model->info_.weights_hash);
    return model;
  } catch (...) {
    rethrow_as_blade_error(fmt::format("loading the model {} on {}", folder.root.string(), device.str()));
  }
}

std::shared_ptr<WanModel> WanModel::with_random_weights(const ModelPreset& preset, torch::Device device,
                                                        torch::Dtype compute_dtype, const fs::path& tokenizer_model,
                                                        uint64_t seed) {
  static auto log = blade::log::get("pipeline");
  const auto start = std::chrono::steady_clock::now();
  const std::string what = fmt::format("creating random weights of {} on {}", preset.name, device.str());
  try {
    torch::NoGradGuard no_grad;
    auto tokenizer = models::PromptTokenizer::load(tokenizer_model);
    models::UMT5Encoder encoder(preset.text_encoder);
    encoder->set_compute_dtype(compute_dtype);
    encoder->to(device);
    randomize_parameters(*encoder, seed);
    encoder->eval();
    auto text_encoder = std::make_unique<models::TextEncoder>(std::move(tokenizer), std::move(encoder));

    models::WanDiT dit(preset.dit, models::WanDiTPlacement{device, compute_dtype, /*zero_fill=*/false});
    dit->set_compute_dtype(compute_dtype);
    randomize_parameters(*dit, seed + 1);
    dit->eval();

    models::WanVAE vae(preset.vae);
    vae->to(device);
    randomize_parameters(*vae, seed + 2);
    vae->eval();
    auto codec = std::make_unique<WanVaeCodec>(std::move(vae));

    std::shared_ptr<WanModel> model(new WanModel(std::move(text_encoder), std::move(dit), std::move(codec)));
    model->device_ = device;
    model->compute_dtype_ = compute_dtype;
    model->preview_.fit(*model->codec_, device);
    model->info_ = {preset.name + " (random weights)", fmt::format("random:{}", seed), ModelLayout::Diffusers,
                    preset.flow_shift};
    log->info("{} with random weights on {} in {:.1f} s ({:.2f} GB on the GPU)", preset.name, device.str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              gigabytes(gpu_memory(device).allocated_bytes));
    return model;
  } catch (...) {
    rethrow_as_blade_error(what);
  }
}

torch::Tensor WanModel::encode_prompts(const std::vector<std::string>& prompts) {
  const bool offload = offload_text_encoder_ && device_.is_cuda();
  if (offload && text_encoder_->device() != device_) text_encoder_->to(device_);
  auto context = text_encoder_->encode(prompts);
  if (offload) {
    text_encoder_->to(torch::kCPU);
    release_cached_gpu_memory();
  }
  return context;
}

void WanModel::use_lora(const LoraSettings& lora) {
  if (lora.file == active_lora_.file && (lora.file.empty() || lora.scale == active_lora_.scale)) return;
  if (!lora.file.empty() && (!lora_weights_ || lora_weights_->file != lora.file)) {
    lora_weights_ = models::load_lora(lora.file);
  }
  models::remove_lora(*dit_);
  active_lora_ = {};
  if (lora.file.empty()) return;
  models::apply_lora(*dit_, *lora_weights_, lora.scale, models::LoraMode::RunTime);
  active_lora_ = lora;
}

}  // namespace blade::pipeline
