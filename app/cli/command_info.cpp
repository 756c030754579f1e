// blade info: what is in a model folder, a weights file or a clip written by blade.

#include "arguments.h"
#include "commands.h"
#include "core/error.h"
#include "io/weight_store.h"
#include "media/video_file.h"
#include "models/dit/wan_dit.h"
#include "models/text/umt5_encoder.h"
#include "models/vae/wan_vae.h"
#include "pipeline/model_folder.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace blade::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Component { Transformer = 1, Vae, TextEncoder, Unknown };

Component guess_component(const io::WeightStore& store) {
  if (store.contains("patch_embedding.weight")) return Component::Transformer;
  if (store.contains("shared.weight") || store.contains("encoder.block.0.layer.0.SelfAttention.q.weight")) {
    return Component::TextEncoder;
  }
  for (const auto& name : store.names()) {
    if (name.rfind("encoder.", 0) == 0 || name.rfind("decoder.", 0) == 0) return Component::Vae;
  }
  return Component::Unknown;
}

json describe_store(const io::WeightStore& store) {
  std::map<std::string, int64_t> tensors_by_dtype;
  for (const auto& name : store.names()) tensors_by_dtype[io::to_string(store.record(name).dtype)]++;
  json info = {{"path", store.root().string()},
               {"tensors", store.names().size()},
               {"parameters", store.parameter_count()},
               {"dtypes", tensors_by_dtype}};
  switch (guess_component(store)) {
    case Component::Transformer:
      info["component"] = "transformer";
      info["config"] = models::WanDiTConfig::infer(store).describe();
      break;
    case Component::Vae:
      info["component"] = "vae";
      info["config"] = models::WanVAEConfig::infer(store).describe();
      break;
    case Component::TextEncoder:
      info["component"] = "text_encoder";
      info["config"] = models::UMT5Config::infer(store).describe();
      break;
    case Component::Unknown:
      info["component"] = "unknown";
      break;
  }
  return info;
}

json describe_model_folder(const pipeline::ModelFolder& folder) {
  json info = {{"model", folder.id}, {"path", folder.root.string()}, {"layout", pipeline::to_string(folder.layout)}};
  for (const auto& [name, path] : {std::pair{"transformer", folder.transformer}, {"vae", folder.vae},
                                   {"text_encoder", folder.text_encoder}}) {
    info["components"][name] = describe_store(io::WeightStore::open(path));
  }
  info["tokenizer"] = folder.tokenizer_model.string();
  return info;
}

json describe_path(const fs::path& path) {
  if (!fs::exists(path)) fail(ErrorKind::Io, "'{}' does not exist", path.string());
  if (media::is_y4m_path(path)) {
    if (!fs::exists(media::y4m_sidecar_path(path))) {
      fail(ErrorKind::Io, "'{}' is a Y4M clip, which holds no generation settings, and its sidecar {} is missing",
           path.string(), media::y4m_sidecar_path(path).string());
    }
    return {{"clip", path.string()}, {"metadata", media::read_y4m_sidecar(path)}};
  }
  if (media::is_mp4_path(path)) return {{"clip", path.string()}, {"metadata", media::read_clip_metadata(path)}};
  if (fs::is_directory(path) && (fs::exists(path / "model_index.json") || fs::exists(path / "transformer") ||
                                 fs::exists(path / "Wan2.1_VAE.safetensors"))) {
    return describe_model_folder(pipeline::locate_model(path));
  }
  return describe_store(io::WeightStore::open(path));
}

void print_human(const json& info, int indent = 0) {
  const std::string pad(indent, ' ');
  for (const auto& [key, value] : info.items()) {
    if (value.is_object()) {
      fmt::print("{}{}:\n", pad, key);
      print_human(value, indent + 2);
    } else if (value.is_string()) {
      fmt::print("{}{}: {}\n", pad, key, value.get<std::string>());
    } else {
      fmt::print("{}{}: {}\n", pad, key, value.dump());
    }
  }
}

}  // namespace

int run_info(const std::vector<std::string>& argv) {
  const Arguments args(argv, {}, {"json"});
  if (args.positional().size() != 1) {
    fail(ErrorKind::InvalidArgument, "blade info takes one PATH (a model folder, a .safetensors file or an .mp4)");
  }
  const json info = describe_path(args.positional().front());
  if (args.flag("json")) {
    fmt::print("{}\n", info.dump(2));
  } else {
    print_human(info);
  }
  return 0;
}

}  // namespace blade::cli
