#include "models/vae/wan_vae_names.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <optional>
#include <string_view>
#include <utility>

namespace blade::models {
namespace {

using Rename = std::pair<std::string_view, std::string_view>;  // original prefix, diffusers prefix

// Inside a residual block: residual = [RMS(0), SiLU, conv(2), RMS(3), SiLU, Dropout, conv(6)].
constexpr std::array<Rename, 5> kResidualParts{{{"residual.0.", "norm1."},
                                                {"residual.2.", "conv1."},
                                                {"residual.3.", "norm2."},
                                                {"residual.6.", "conv2."},
                                                {"shortcut.", "conv_shortcut."}}};

bool take_prefix(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// "12.rest" -> (12, "rest")
std::optional<std::pair<int64_t, std::string_view>> take_index(std::string_view s) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data() || end == s.data() + s.size() || *end != '.') return std::nullopt;
  return std::make_pair(value, s.substr(static_cast<size_t>(end - s.data()) + 1));
}

std::string residual_to_diffusers(std::string_view rest) {
  for (const auto& [original, diffusers] : kResidualParts) {
    if (rest.starts_with(original)) return fmt::format("{}{}", diffusers, rest.substr(original.size()));
  }
  return std::string(rest);
}

std::string residual_to_original(std::string_view rest) {
  for (const auto& [original, diffusers] : kResidualParts) {
    if (rest.starts_with(diffusers)) return fmt::format("{}{}", original, rest.substr(diffusers.size()));
  }
  return std::string(rest);
}

// Body of encoder./decoder. names, original -> diffusers; nullopt when not a known layout name.
std::optional<std::string> coder_to_diffusers(std::string_view body, bool decoder, int64_t num_res_blocks) {
  if (take_prefix(body, "conv1.")) return fmt::format("conv_in.{}", body);
  if (take_prefix(body, "head.0.")) return fmt::format("norm_out.{}", body);
  if (take_prefix(body, "head.2.")) return fmt::format("conv_out.{}", body);
  if (take_prefix(body, "middle.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    const auto [index, rest] = *parsed;
    if (index % 2 == 0) return fmt::format("mid_block.resnets.{}.{}", index / 2, residual_to_diffusers(rest));
    return fmt::format("mid_block.attentions.{}.{}", index / 2, rest);
  }
  if (!decoder && take_prefix(body, "downsamples.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    return fmt::format("down_blocks.{}.{}", parsed->first, residual_to_diffusers(parsed->second));
  }
  if (decoder && take_prefix(body, "upsamples.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    // Each up block: num_res_blocks + 1 resnets, then one upsampler (absent in the last block).
    const int64_t stride = num_res_blocks + 2;
    const int64_t block = parsed->first / stride;
    const int64_t within = parsed->first % stride;
    if (within <= num_res_blocks) {
      return fmt::format("up_blocks.{}.resnets.{}.{}", block, within, residual_to_diffusers(parsed->second));
    }
    return fmt::format("up_blocks.{}.upsamplers.0.{}", block, parsed->second);
  }
  return std::nullopt;
}

std::optional<std::string> coder_to_original(std::string_view body, bool decoder, int64_t num_res_blocks) {
  if (take_prefix(body, "conv_in.")) return fmt::format("conv1.{}", body);
  if (take_prefix(body, "norm_out.")) return fmt::format("head.0.{}", body);
  if (take_prefix(body, "conv_out.")) return fmt::format("head.2.{}", body);
  if (take_prefix(body, "mid_block.resnets.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    return fmt::format("middle.{}.{}", 2 * parsed->first, residual_to_original(parsed->second));
  }
  if (take_prefix(body, "mid_block.attentions.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    return fmt::format("middle.{}.{}", 2 * parsed->first + 1, parsed->second);
  }
  if (!decoder && take_prefix(body, "down_blocks.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    return fmt::format("downsamples.{}.{}", parsed->first, residual_to_original(parsed->second));
  }
  if (decoder && take_prefix(body, "up_blocks.")) {
    const auto parsed = take_index(body);
    if (!parsed) return std::nullopt;
    const int64_t first = parsed->first * (num_res_blocks + 2);
    std::string_view rest = parsed->second;
    if (take_prefix(rest, "resnets.")) {
      const auto resnet = take_index(rest);
      if (!resnet) return std::nullopt;
      return fmt::format("upsamples.{}.{}", first + resnet->first, residual_to_original(resnet->second));
    }
    if (take_prefix(rest, "upsamplers.0.")) return fmt::format("upsamples.{}.{}", first + num_res_blocks + 1, rest);
  }
  return std::nullopt;
}

}  // namespace

std::string original_to_diffusers_vae_name(const std::string& name, int64_t num_res_blocks) {
  std::string_view body = name;
  if (take_prefix(body, "conv1.")) return fmt::format("quant_conv.{}", body);
  if (take_prefix(body, "conv2.")) return fmt::format("post_quant_conv.{}", body);
  for (const bool decoder : {false, true}) {
    body = name;
    if (!take_prefix(body, decoder ? "decoder." : "encoder.")) continue;
    if (auto mapped = coder_to_diffusers(body, decoder, num_res_blocks)) {
      return fmt::format("{}{}", decoder ? "decoder." : "encoder.", *mapped);
    }
  }
  return name;
}

std::string diffusers_to_original_vae_name(const std::string& name, int64_t num_res_blocks) {
  std::string_view body = name;
  if (take_prefix(body, "quant_conv.")) return fmt::format("conv1.{}", body);
  if (take_prefix(body, "post_quant_conv.")) return fmt::format("conv2.{}", body);
  for (const bool decoder : {false, true}) {
    body = name;
    if (!take_prefix(body, decoder ? "decoder." : "encoder.")) continue;
    if (auto mapped = coder_to_original(body, decoder, num_res_blocks)) {
      return fmt::format("{}{}", decoder ? "decoder." : "encoder.", *mapped);
    }
  }
  return name;
}

}  // namespace blade::models
