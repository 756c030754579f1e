#include "models/dit/wan_lora.h"

#include "core/error.h"
#include "core/log.h"
#include "core/tensor_format.h"
#include "io/safetensors.h"

#include <nlohmann/json.hpp>

namespace blade::models {
namespace {

struct ParsedKey {
  std::string module;  // diffusers module name
  bool down = false;   // lora_A (down) or lora_B (up)
};

bool remove_prefix(std::string& text, std::string_view prefix) {
  if (text.rfind(prefix, 0) != 0) return false;
  text.erase(0, prefix.size());
  return true;
}

bool remove_suffix(std::string& text, std::string_view suffix) {
  if (text.size() < suffix.size() || text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  text.erase(text.size() - suffix.size());
  return true;
}

std::optional<ParsedKey> parse_key(std::string name) {
  bool original = false;
  if (!remove_prefix(name, "transformer.")) original = remove_prefix(name, "diffusion_model.");
  ParsedKey key;
  if (remove_suffix(name, ".lora_A.weight") || remove_suffix(name, ".lora_down.weight")) {
    key.down = true;
  } else if (!remove_suffix(name, ".lora_B.weight") && !remove_suffix(name, ".lora_up.weight")) {
    return std::nullopt;
  }
  if (original || name.find("self_attn.") != std::string::npos || name.find("cross_attn.") != std::string::npos) {
    name = original_to_diffusers_dit_name(name + ".weight");
    remove_suffix(name, ".weight");
  }
  key.module = name;
  return key;
}

// PEFT's lora_alpha from the header metadata ("transformer.lora_alpha" as diffusers packs it, or
// plain "lora_alpha"); per-module alphas (alpha_pattern) are not part of BLADE's format.
std::optional<double> metadata_alpha(const io::SafetensorsFile& file) {
  const auto& metadata = file.metadata();
  const auto entry = metadata.find("lora_adapter_metadata");
  if (entry == metadata.end()) return std::nullopt;
  const auto json = nlohmann::json::parse(entry->second, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    fail(ErrorKind::BadWeights, "{}: the lora_adapter_metadata header entry is not a JSON object", file.path().string());
  }
  for (const char* key : {"transformer.alpha_pattern", "alpha_pattern"}) {
    if (json.contains(key) && !json[key].empty()) {
      fail(ErrorKind::BadWeights, "{}: per-module LoRA alphas ({}) are not supported", file.path().string(), key);
    }
  }
  for (const char* key : {"transformer.lora_alpha", "lora_alpha"}) {
    if (!json.contains(key)) continue;
    if (!json[key].is_number()) {
      fail(ErrorKind::BadWeights, "{}: {} in the lora_adapter_metadata header entry should be a number, found {}",
           file.path().string(), key, json[key].dump());
    }
    return json[key].get<double>();
  }
  return std::nullopt;
}

WanLinearImpl& target_linear(WanDiTImpl& dit, const std::string& module, const LoraWeights& lora) {
  for (const auto& item : dit.named_modules("", /*include_self=*/false)) {
    if (item.key() != module) continue;
    if (auto* linear = dynamic_cast<WanLinearImpl*>(item.value().get())) return *linear;
    break;
  }
  fail(ErrorKind::BadWeights, "{}: the LoRA adapter '{}' targets no linear layer of this transformer", lora.file.string(),
       module);
}

}  // namespace

const char* to_string(LoraMode mode) { return mode == LoraMode::Merged ? "merged" : "run-time"; }

namespace {

// One adapter as the header describes it.
struct AdapterRecord {
  const io::TensorRecord* down = nullptr;
  const io::TensorRecord* up = nullptr;
  std::string alpha_tensor;  // kohya-style per-module alpha scalar, or empty
};

// Checks the file's structure from its header: every tensor is a LoRA matrix (2-D, floating point)
// or a per-module alpha, every lora_A has its lora_B and their ranks agree. Throws BadWeights naming
// the file and the tensor.
struct LoraLayout {
  std::map<std::string, AdapterRecord> adapters;
  std::optional<double> alpha;  // the metadata's lora_alpha
};

LoraLayout lora_layout(const io::SafetensorsFile& file) {
  const auto& path = file.path();
  std::map<std::string, AdapterRecord> adapters;
  std::map<std::string, std::string> alphas;
  for (const auto& record : file.tensors()) {
    const std::string& name = record.name;
    std::string base = name;
    if (remove_suffix(base, ".alpha")) {
      // A per-module alpha: named as its adapter's matrices, one floating-point number.
      const auto key = parse_key(base + ".lora_A.weight");
      int64_t count = 1;
      for (const int64_t size : record.shape) count *= size;
      if (!key || count != 1 || !io::is_floating(record.dtype)) {
        fail(ErrorKind::BadWeights, "{}: '{}' should be one floating-point alpha of a LoRA module, found {} with "
             "shape {}", path.string(), name, io::to_string(record.dtype), shape_string(record.shape));
      }
      alphas[key->module] = name;
      continue;
    }
    const auto key = parse_key(name);
    if (!key) fail(ErrorKind::BadWeights, "{}: '{}' is not a LoRA tensor (expected names ending in .lora_A.weight or "
                   ".lora_B.weight)", path.string(), name);
    if (record.shape.size() != 2 || !io::is_floating(record.dtype)) {
      fail(ErrorKind::BadWeights, "{}: '{}' should be a 2-D floating-point matrix, found {} with shape {}", path.string(),
           name, io::to_string(record.dtype), shape_string(record.shape));
    }
    auto& adapter = adapters[key->module];
    (key->down ? adapter.down : adapter.up) = &record;
  }
  if (adapters.empty()) fail(ErrorKind::BadWeights, "{}: the file holds no LoRA tensors", path.string());
  for (auto& [module, adapter] : adapters) {
    if (adapter.down == nullptr || adapter.up == nullptr) {
      fail(ErrorKind::BadWeights, "{}: the adapter '{}' has only its {} matrix", path.string(), module,
           adapter.down != nullptr ? "lora_A" : "lora_B");
    }
    if (adapter.up->shape[1] != adapter.down->shape[0]) {
      fail(ErrorKind::BadWeights, "{}: the adapter '{}' has lora_A of rank {} but lora_B of rank {}", path.string(),
           module, adapter.down->shape[0], adapter.up->shape[1]);
    }
    if (const auto alpha = alphas.find(module); alpha != alphas.end()) adapter.alpha_tensor = alpha->second;
  }
  for (const auto& [module, name] : alphas) {
    if (adapters.count(module) == 0) {
      fail(ErrorKind::BadWeights, "{}: '{}' is the alpha of '{}', which has no lora_A / lora_B", path.string(), name,
           module);
    }
  }
  return {std::move(adapters), metadata_alpha(file)};
}

}  // namespace

LoraSummary inspect_lora(const std::filesystem::path& path) {
  const auto file = io::SafetensorsFile::open(path);
  const auto adapters = lora_layout(*file).adapters;
  return {path, adapters.size(), adapters.begin()->second.down->shape[0]};
}

LoraWeights load_lora(const std::filesystem::path& path) {
  static auto log = blade::log::get("dit");
  const auto file = io::SafetensorsFile::open(path);
  const auto [records, alpha] = lora_layout(*file);
  LoraWeights lora{path, {}};
  for (const auto& [module, record] : records) {
    auto& adapter = lora.adapters[module];
    adapter.down = file->load(record.down->name);
    adapter.up = file->load(record.up->name);
    adapter.alpha = !record.alpha_tensor.empty() ? file->load(record.alpha_tensor).item<double>()
                                                 : alpha.value_or(static_cast<double>(adapter.rank()));
  }
  log->info("LoRA {}: {} adapters, rank {}, alpha {}", path.string(), lora.adapters.size(),
            lora.adapters.begin()->second.rank(), lora.adapters.begin()->second.alpha);
  return lora;
}

void apply_lora(WanDiTImpl& dit, const LoraWeights& lora, double scale, LoraMode mode) {
  static auto log = blade::log::get("dit");
  if (!std::isfinite(scale)) fail(ErrorKind::InvalidArgument, "the LoRA scale must be a finite number, got {}", scale);
  std::vector<std::pair<WanLinearImpl*, const LoraAdapter*>> targets;
  for (const auto& [module, adapter] : lora.adapters) {
    auto& linear = target_linear(dit, module, lora);
    const auto out_features = linear.weight().size(0), in_features = linear.weight().size(1);
    if (adapter.down.size(1) != in_features || adapter.up.size(0) != out_features) {
      fail(ErrorKind::BadWeights,
           "{}: the adapter '{}' does not fit: expected lora_A [r, {}] and lora_B [{}, r], found [{}, {}] and [{}, {}]",
           lora.file.string(), module, in_features, out_features, adapter.down.size(0), adapter.down.size(1),
           adapter.up.size(0), adapter.up.size(1));
    }
    targets.emplace_back(&linear, &adapter);
  }
  for (const auto& [linear, adapter] : targets) {
    const double factor = scale * adapter->alpha / static_cast<double>(adapter->rank());
    if (mode == LoraMode::Merged) {
      linear->merge_low_rank_update(adapter->down, adapter->up, factor);
    } else {
      linear->set_low_rank_update(adapter->down, adapter->up, factor);
    }
  }
  log->info("applied {} LoRA adapters from {} ({}, scale {})", targets.size(), lora.file.string(), to_string(mode), scale);
}

void remove_lora(WanDiTImpl& dit) {
  for (const auto& module : dit.modules(/*include_self=*/false)) {
    if (auto* linear = dynamic_cast<WanLinearImpl*>(module.get())) linear->clear_low_rank_update();
  }
}

}  // namespace blade::models
