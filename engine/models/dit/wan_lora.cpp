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
    if (json.contains(key) && json[key].is_number()) return json[key].get<double>();
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

LoraWeights load_lora(const std::filesystem::path& path) {
  static auto log = blade::log::get("dit");
  const auto file = io::SafetensorsFile::open(path);
  LoraWeights lora{path, {}};
  std::map<std::string, torch::Tensor> alphas;
  for (const auto& record : file->tensors()) {
    const std::string& name = record.name;
    std::string base = name;
    if (remove_suffix(base, ".alpha")) {  // kohya-style per-module alpha scalar
      remove_prefix(base, "transformer.");
      alphas[base] = file->load(name);
      continue;
    }
    const auto key = parse_key(name);
    if (!key) fail(ErrorKind::BadWeights, "{}: '{}' is not a LoRA tensor (expected names ending in .lora_A.weight or "
                   ".lora_B.weight)", path.string(), name);
    auto tensor = file->load(name);
    if (tensor.dim() != 2 || !tensor.is_floating_point()) {
      fail(ErrorKind::BadWeights, "{}: '{}' should be a 2-D floating-point matrix, found {} with shape {}", path.string(),
           name, c10::toString(tensor.scalar_type()), shape_string(tensor.sizes()));
    }
    auto& adapter = lora.adapters[key->module];
    (key->down ? adapter.down : adapter.up) = tensor;
  }
  if (lora.adapters.empty()) fail(ErrorKind::BadWeights, "{}: the file holds no LoRA tensors", path.string());
  const auto alpha = metadata_alpha(*file);
  for (auto& [module, adapter] : lora.adapters) {
    if (!adapter.down.defined() || !adapter.up.defined()) {
      fail(ErrorKind::BadWeights, "{}: the adapter '{}' has only its {} matrix", path.string(), module,
           adapter.down.defined() ? "lora_A" : "lora_B");
    }
    if (adapter.up.size(1) != adapter.rank()) {
      fail(ErrorKind::BadWeights, "{}: the adapter '{}' has lora_A of rank {} but lora_B of rank {}", path.string(),
           module, adapter.rank(), adapter.up.size(1));
    }
    const auto own_alpha = alphas.find(module);
    adapter.alpha = own_alpha != alphas.end() ? own_alpha->second.item<double>()
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
