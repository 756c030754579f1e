#include "train/model_export.h"

#include "core/error.h"
#include "core/log.h"
#include "io/safetensors.h"
#include "train/atomic_write.h"
#include "train/remove_tree.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include <fstream>

namespace blade::train {
namespace fs = std::filesystem;
namespace {

torch::Tensor stored(const torch::Tensor& tensor, WeightStorage storage) {
  auto t = tensor.detach().to(torch::kCPU);
  if (!t.is_floating_point()) return t;
  switch (storage) {
    case WeightStorage::F32: return t.to(torch::kFloat32);
    case WeightStorage::BF16: return t.to(torch::kBFloat16);
    case WeightStorage::F16: {
      const double largest = t.numel() ? t.abs().max().item<double>() : 0.0;
      return largest < 65000.0 ? t.to(torch::kFloat16) : t.to(torch::kFloat32);
    }
  }
  return t;
}

void write_json(const fs::path& path, const nlohmann::json& json) { write_file_atomically(path, json.dump(2) + "\n"); }

// One file when it fits max_bytes, else shards "<stem>-0000i-of-0000n.safetensors" and the
// "<stem>.safetensors.index.json" that io::WeightStore reads.
void write_weights(const fs::path& folder, const std::string& stem, const NamedTensors& tensors,
                   WeightStorage storage, int64_t max_bytes) {
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> shards(1);
  int64_t shard_bytes = 0;
  int64_t total = 0;
  for (const auto& [name, tensor] : tensors) {
    auto t = stored(tensor, storage);
    const int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
    if (bytes > max_bytes) {
      fail(ErrorKind::InvalidArgument, "tensor '{}' takes {} bytes, more than the {}-byte file limit", name, bytes,
           max_bytes);
    }
    // Leave room for the JSON header (a few hundred bytes per tensor).
    if (!shards.back().empty() && shard_bytes + bytes + 256 * static_cast<int64_t>(shards.back().size() + 1) > max_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().emplace_back(name, t);
    shard_bytes += bytes;
    total += bytes;
  }
  if (shards.size() == 1) {
    io::write_safetensors(folder / (stem + ".safetensors"), shards[0], {{"format", "pt"}});
    return;
  }
  nlohmann::json weight_map = nlohmann::json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string file = fmt::format("{}-{:05d}-of-{:05d}.safetensors", stem, i + 1, shards.size());
    io::write_safetensors(folder / file, shards[i], {{"format", "pt"}});
    for (const auto& entry : shards[i]) weight_map[entry.first] = file;
  }
  write_json(folder / (stem + ".safetensors.index.json"),
             {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}});
}

nlohmann::json transformer_config(const models::WanDiTConfig& d) {
  return {{"_class_name", "WanTransformer3DModel"},
          {"_diffusers_version", "0.35.0"},
          {"added_kv_proj_dim", nullptr},
          {"attention_head_dim", d.head_dim},
          {"cross_attn_norm", true},
          {"eps", d.eps},
          {"ffn_dim", d.ffn_dim},
          {"freq_dim", d.freq_dim},
          {"image_dim", nullptr},
          {"in_channels", d.in_channels},
          {"num_attention_heads", d.num_heads},
          {"num_layers", d.num_layers},
          {"out_channels", d.out_channels},
          {"patch_size", {d.patch[0], d.patch[1], d.patch[2]}},
          {"pos_embed_seq_len", nullptr},
          {"qk_norm", "rms_norm_across_heads"},
          {"rope_max_seq_len", 1024},
          {"text_dim", d.text_dim}};
}

nlohmann::json text_encoder_config(const models::UMT5Config& t) {
  return {{"architectures", {"UMT5EncoderModel"}},
          {"d_ff", t.d_ff},
          {"d_kv", t.d_kv},
          {"d_model", t.d_model},
          {"dense_act_fn", "gelu_new"},
          {"dropout_rate", 0.0},
          {"eos_token_id", 1},
          {"feed_forward_proj", "gated-gelu"},
          {"is_gated_act", true},
          {"layer_norm_epsilon", t.eps},
          {"model_type", "umt5"},
          {"num_heads", t.num_heads},
          {"num_layers", t.num_layers},
          {"pad_token_id", 0},
          {"relative_attention_max_distance", t.max_distance},
          {"relative_attention_num_buckets", t.num_buckets},
          {"vocab_size", t.vocab_size}};
}

nlohmann::json scheduler_config(double shift) {
  return {{"_class_name", "UniPCMultistepScheduler"},
          {"_diffusers_version", "0.35.0"},
          {"final_sigmas_type", "zero"},
          {"flow_shift", shift},
          {"lower_order_final", true},
          {"num_train_timesteps", 1000},
          {"predict_x0", true},
          {"prediction_type", "flow_prediction"},
          {"solver_order", 2},
          {"solver_type", "bh2"},
          {"timestep_spacing", "linspace"},
          {"use_flow_sigmas", true}};
}

void write_folder(const ModelExport& m, const fs::path& dir) {
  const auto& c = m.config;
  std::error_code error;
  for (const char* part : {"transformer", "text_encoder", "tokenizer", "scheduler"}) fs::create_directories(dir / part, error);

  write_json(dir / "transformer" / "config.json", transformer_config(c.dit));
  write_weights(dir / "transformer", "diffusion_pytorch_model", m.transformer, m.storage, m.max_file_bytes);
  write_json(dir / "text_encoder" / "config.json", text_encoder_config(c.text));
  write_weights(dir / "text_encoder", "model", m.text_encoder, m.storage, m.max_file_bytes);

  fs::copy_file(m.tokenizer_model, dir / "tokenizer" / "spiece.model", fs::copy_options::overwrite_existing, error);
  if (error) {
    fail(ErrorKind::Io, "cannot copy the tokenizer {} into {}: {}", m.tokenizer_model.string(), dir.string(),
         error.message());
  }
  write_json(dir / "tokenizer" / "tokenizer_config.json",
             {{"tokenizer_class", "T5Tokenizer"},
              {"model_max_length", c.text_len},
              {"eos_token", "</s>"},
              {"pad_token", "<pad>"},
              {"unk_token", "<unk>"},
              {"extra_ids", 0}});
  write_json(dir / "scheduler" / "scheduler_config.json", scheduler_config(c.flow_shift));

  nlohmann::json blade = m.blade;
  blade["name"] = m.name;
  blade["text_len"] = c.text_len;
  blade["default_clip"] = {{"frames", c.clip.frames}, {"height", c.clip.height}, {"width", c.clip.width}};
  blade["value_range"] = {-1.0, 1.0};
  write_json(dir / "model_index.json", {{"_class_name", "WanPipeline"},
                                        {"_diffusers_version", "0.35.0"},
                                        {"codec", "pixel"},
                                        {"scheduler", {"diffusers", "UniPCMultistepScheduler"}},
                                        {"text_encoder", {"transformers", "UMT5EncoderModel"}},
                                        {"tokenizer", {"transformers", "T5Tokenizer"}},
                                        {"transformer", {"diffusers", "WanTransformer3DModel"}},
                                        {"vae", {nullptr, nullptr}},
                                        {"blade", blade}});
}

}  // namespace

WeightStorage parse_weight_storage(const std::string& name) {
  if (name == "f16") return WeightStorage::F16;
  if (name == "bf16") return WeightStorage::BF16;
  if (name == "f32") return WeightStorage::F32;
  fail(ErrorKind::InvalidArgument, "weight storage must be f16, bf16 or f32, got '{}'", name);
}

void export_model_folder(const ModelExport& model, const fs::path& out_dir_in) {
  static auto log = blade::log::get("train");
  model.config.validate();
  const fs::path out_dir = fs::absolute(out_dir_in);
  const std::string pid = std::to_string(::getpid());
  const fs::path partial = out_dir.string() + ".partial-" + pid;
  const fs::path previous = out_dir.string() + ".previous-" + pid;
  std::error_code error;
  remove_tree(partial);
  try {
    write_folder(model, partial);
  } catch (...) {
    remove_tree(partial);
    throw;
  }
  const bool replacing = fs::exists(out_dir, error);
  if (replacing) {
    fs::rename(out_dir, previous, error);
    if (error) fail(ErrorKind::Io, "cannot move the old {} aside: {}", out_dir.string(), error.message());
  }
  fs::rename(partial, out_dir, error);
  if (error) {
    const std::string reason = error.message();
    if (replacing) fs::rename(previous, out_dir, error);
    fail(ErrorKind::Io, "cannot move the exported model into {}: {}", out_dir.string(), reason);
  }
  if (replacing) remove_tree(previous);
  log->info("exported {} to {}", model.name, out_dir.string());
}

}  // namespace blade::train
