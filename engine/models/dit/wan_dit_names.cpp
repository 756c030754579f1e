#include "models/dit/wan_dit_names.h"

#include "core/error.h"
#include "io/weight_store.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace blade::models {
namespace {

// A pair ending in '.' renames a prefix (the rest of the name is kept); any other pair renames
// the exact name. Every pair is unambiguous in both directions, so the map is its own inverse.
struct NamePair {
  std::string_view original;
  std::string_view diffusers;
};

constexpr std::array<NamePair, 8> kGlobalNames{{
    {"patch_embedding.", "patch_embedding."},
    {"text_embedding.0.", "condition_embedder.text_embedder.linear_1."},
    {"text_embedding.2.", "condition_embedder.text_embedder.linear_2."},
    {"time_embedding.0.", "condition_embedder.time_embedder.linear_1."},
    {"time_embedding.2.", "condition_embedder.time_embedder.linear_2."},
    {"time_projection.1.", "condition_embedder.time_proj."},
    {"head.head.", "proj_out."},
    {"head.modulation", "scale_shift_table"},
}};

// Names below "blocks.<i>.".
constexpr std::array<NamePair, 16> kBlockNames{{
    {"modulation", "scale_shift_table"},
    {"self_attn.q.", "attn1.to_q."},
    {"self_attn.k.", "attn1.to_k."},
    {"self_attn.v.", "attn1.to_v."},
    {"self_attn.o.", "attn1.to_out.0."},
    {"self_attn.norm_q.", "attn1.norm_q."},
    {"self_attn.norm_k.", "attn1.norm_k."},
    {"cross_attn.q.", "attn2.to_q."},
    {"cross_attn.k.", "attn2.to_k."},
    {"cross_attn.v.", "attn2.to_v."},
    {"cross_attn.o.", "attn2.to_out.0."},
    {"cross_attn.norm_q.", "attn2.norm_q."},
    {"cross_attn.norm_k.", "attn2.norm_k."},
    // The affine cross-attention LayerNorm: norm3 in the original, norm2 in diffusers.
    {"norm3.", "norm2."},
    {"ffn.0.", "ffn.net.0.proj."},
    {"ffn.2.", "ffn.net.2."},
}};

template <size_t N>
bool rename(std::string_view name, const std::array<NamePair, N>& pairs, bool to_diffusers, std::string& out) {
  for (const auto& pair : pairs) {
    const std::string_view from = to_diffusers ? pair.original : pair.diffusers;
    const std::string_view to = to_diffusers ? pair.diffusers : pair.original;
    if (from.back() == '.') {
      if (name.starts_with(from)) {
        out = std::string(to) + std::string(name.substr(from.size()));
        return true;
      }
    } else if (name == from) {
      out = std::string(to);
      return true;
    }
  }
  return false;
}

// Splits "blocks.<digits>.rest" into the prefix "blocks.<digits>." and "rest".
bool split_block_name(std::string_view name, std::string_view& prefix, std::string_view& rest) {
  constexpr std::string_view kBlocks = "blocks.";
  if (!name.starts_with(kBlocks)) return false;
  size_t pos = kBlocks.size();
  const size_t digits_begin = pos;
  while (pos < name.size() && std::isdigit(static_cast<unsigned char>(name[pos]))) ++pos;
  if (pos == digits_begin || pos >= name.size() || name[pos] != '.') return false;
  prefix = name.substr(0, pos + 1);
  rest = name.substr(pos + 1);
  return true;
}

std::string convert(const std::string& name, bool to_diffusers) {
  std::string out;
  std::string_view prefix, rest;
  if (split_block_name(name, prefix, rest)) {
    if (rename(rest, kBlockNames, to_diffusers, out)) return std::string(prefix) + out;
    return name;
  }
  if (rename(name, kGlobalNames, to_diffusers, out)) return out;
  return name;
}

}  // namespace

const char* to_string(WanNameLayout layout) {
  return layout == WanNameLayout::Diffusers ? "diffusers" : "original";
}

std::string original_to_diffusers_dit_name(const std::string& original) { return convert(original, true); }

std::string diffusers_to_original_dit_name(const std::string& diffusers) { return convert(diffusers, false); }

WanNameLayout detect_dit_layout(const std::vector<std::string>& names, const std::string& source) {
  const auto has = [&](const char* name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  const bool diffusers = has("condition_embedder.time_proj.weight");
  const bool original = has("time_projection.1.weight");
  if (diffusers && !original) return WanNameLayout::Diffusers;
  if (original && !diffusers) return WanNameLayout::Original;
  std::string sample;
  for (size_t i = 0; i < names.size() && i < 5; ++i) sample += (i ? ", " : "") + names[i];
  if (diffusers && original) {
    fail(ErrorKind::BadWeights, "{}: holds both diffusers ('condition_embedder.time_proj.weight') and original "
         "('time_projection.1.weight') Wan DiT names; expected one layout", source);
  }
  fail(ErrorKind::BadWeights, "{}: not a Wan DiT: expected 'condition_embedder.time_proj.weight' (diffusers) or "
       "'time_projection.1.weight' (original Wan), found {} tensors such as [{}]", source, names.size(), sample);
}

WanNameLayout detect_dit_layout(const io::WeightStore& store) {
  return detect_dit_layout(store.names(), store.root().string());
}

}  // namespace blade::models
