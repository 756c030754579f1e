#include "io/safetensors_header.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

namespace blade::io {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<StoredDType, const char*>, 10> kDTypeNames{{
    {StoredDType::F64, "F64"},
    {StoredDType::F32, "F32"},
    {StoredDType::F16, "F16"},
    {StoredDType::BF16, "BF16"},
    {StoredDType::I64, "I64"},
    {StoredDType::I32, "I32"},
    {StoredDType::I16, "I16"},
    {StoredDType::I8, "I8"},
    {StoredDType::U8, "U8"},
    {StoredDType::BOOL, "BOOL"},
}};

// Real headers are a few levels deep; the limit keeps hostile input from nesting without bound.
constexpr int kMaxJsonDepth = 32;

template <typename... Args>
[[noreturn]] void header_fail(fmt::format_string<Args...> format, Args&&... args) {
  throw HeaderError(fmt::format(format, std::forward<Args>(args)...));
}

// JSON values shortened for messages, so that a hostile header cannot produce a huge one.
std::string brief(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

json parse_json(const char* text, size_t size, const std::string& source) {
  std::set<std::string> top_level_keys;
  std::string duplicate;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      header_fail("{}: the header's JSON nests deeper than {} levels", source, kMaxJsonDepth);
    }
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string() &&
        !top_level_keys.insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json root;
  try {
    root = json::parse(text, text + size, callback);
  } catch (const json::exception& e) {
    header_fail("{}: the header is not valid JSON ({})", source, e.what());
  }
  if (!root.is_object()) {
    header_fail("{}: the header must be a JSON object but is a {}", source, root.type_name());
  }
  if (!duplicate.empty()) {
    header_fail("{}: the header lists tensor '{}' twice", source, duplicate);
  }
  return root;
}

uint64_t checked_multiply(uint64_t a, uint64_t b, bool& overflow) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) overflow = true;
  return a * b;
}

TensorRecord parse_record(const std::string& name, const json& entry, uint64_t data_size,
                          const std::string& source) {
  if (!entry.is_object()) {
    header_fail("{}: tensor '{}' must be described by a JSON object but is {}", source, name,
                brief(entry));
  }
  TensorRecord record;
  record.name = name;

  const auto dtype_it = entry.find("dtype");
  if (dtype_it == entry.end() || !dtype_it->is_string()) {
    header_fail("{}: tensor '{}' has no \"dtype\" string", source, name);
  }
  const auto dtype = parse_stored_dtype(dtype_it->get_ref<const std::string&>());
  if (!dtype) {
    header_fail("{}: tensor '{}' has dtype {} - expected one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 "
                "BOOL", source, name, brief(*dtype_it));
  }
  record.dtype = *dtype;

  const auto shape_it = entry.find("shape");
  if (shape_it == entry.end() || !shape_it->is_array()) {
    header_fail("{}: tensor '{}' has no \"shape\" array", source, name);
  }
  bool overflow = false;
  uint64_t numel = 1;
  for (const json& dim : *shape_it) {
    if (!dim.is_number_unsigned()) {
      header_fail("{}: tensor '{}' has shape {} - expected non-negative integers", source, name,
                  brief(*shape_it));
    }
    const uint64_t size = dim.get<uint64_t>();
    if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
    record.shape.push_back(static_cast<int64_t>(size));
    numel = checked_multiply(numel, size, overflow);
  }
  const uint64_t byte_size = checked_multiply(numel, element_size(record.dtype), overflow);
  if (overflow || numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    header_fail("{}: tensor '{}' has shape {} whose size overflows 64 bits", source, name,
                brief(*shape_it));
  }

  const auto offsets_it = entry.find("data_offsets");
  if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
      !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
    header_fail("{}: tensor '{}' needs \"data_offsets\": [begin, end] with non-negative integers, "
                "found {}", source, name,
                offsets_it == entry.end() ? std::string("nothing") : brief(*offsets_it));
  }
  record.begin = (*offsets_it)[0].get<uint64_t>();
  record.end = (*offsets_it)[1].get<uint64_t>();
  if (record.begin > record.end) {
    header_fail("{}: tensor '{}' has data_offsets [{}, {}] whose begin is after its end", source,
                name, record.begin, record.end);
  }
  if (record.end > data_size) {
    header_fail("{}: tensor '{}' claims bytes [{}, {}) but the data section has only {} bytes "
                "(is the file truncated?)", source, name, record.begin, record.end, data_size);
  }
  if (record.end - record.begin != byte_size) {
    header_fail("{}: tensor '{}' ({} {}) needs {} bytes but data_offsets [{}, {}) hold {}", source,
                name, to_string(record.dtype), brief(*shape_it), byte_size, record.begin,
                record.end, record.end - record.begin);
  }
  return record;
}

std::map<std::string, std::string> parse_metadata(const json& value, const std::string& source) {
  if (!value.is_object()) {
    header_fail("{}: \"__metadata__\" must be an object of strings but is {}", source, brief(value));
  }
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      header_fail("{}: \"__metadata__\" entry '{}' must be a string but is {}", source, key,
                  brief(item));
    }
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

void check_no_overlap(const std::vector<TensorRecord>& sorted, const std::string& source) {
  const TensorRecord* previous = nullptr;  // the last tensor with bytes
  for (const TensorRecord& record : sorted) {
    if (record.begin == record.end) continue;
    if (previous && record.begin < previous->end) {
      header_fail("{}: tensors '{}' (bytes [{}, {})) and '{}' (bytes [{}, {})) overlap", source,
                  previous->name, previous->begin, previous->end, record.name, record.begin,
                  record.end);
    }
    previous = &record;
  }
}

}  // namespace

const char* to_string(StoredDType dtype) {
  for (const auto& [value, name] : kDTypeNames) {
    if (value == dtype) return name;
  }
  return "?";
}

size_t element_size(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::F64:
    case StoredDType::I64: return 8;
    case StoredDType::F32:
    case StoredDType::I32: return 4;
    case StoredDType::F16:
    case StoredDType::BF16:
    case StoredDType::I16: return 2;
    case StoredDType::I8:
    case StoredDType::U8:
    case StoredDType::BOOL: return 1;
  }
  return 1;
}

std::optional<StoredDType> parse_stored_dtype(std::string_view text) {
  for (const auto& [value, name] : kDTypeNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool is_floating(StoredDType dtype) {
  return dtype == StoredDType::F64 || dtype == StoredDType::F32 || dtype == StoredDType::F16 ||
         dtype == StoredDType::BF16;
}

int64_t TensorRecord::numel() const {
  int64_t count = 1;
  for (const int64_t size : shape) count *= size;
  return count;
}

SafetensorsHeader validate_safetensors_header(const char* json_text, size_t json_size,
                                              uint64_t data_size, const std::string& source) {
  const json root = parse_json(json_text, json_size, source);
  SafetensorsHeader header;
  for (const auto& [name, entry] : root.items()) {
    if (name == "__metadata__") {
      header.metadata = parse_metadata(entry, source);
    } else {
      header.tensors.push_back(parse_record(name, entry, data_size, source));
    }
  }
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorRecord& a, const TensorRecord& b) {
              return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
            });
  check_no_overlap(header.tensors, source);
  return header;
}

SafetensorsImage validate_safetensors_image(const uint8_t* bytes, size_t size,
                                            const std::string& source) {
  if (size < 8) {
    header_fail("{}: the file has {} bytes, fewer than the 8-byte header length of a safetensors "
                "file (is it truncated?)", source, size);
  }
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size == 0) {
    header_fail("{}: the header length is 0 - not a safetensors file", source);
  }
  if (header_size > kMaxHeaderBytes) {
    header_fail("{}: the header length is {} bytes, more than the limit of {} - not a safetensors "
                "file?", source, header_size, kMaxHeaderBytes);
  }
  if (header_size > size - 8) {
    header_fail("{}: the header claims {} bytes but the file has only {} bytes after the length "
                "(is it truncated?)", source, header_size, size - 8);
  }
  SafetensorsImage image;
  image.data_start = 8 + header_size;
  image.data_size = size - image.data_start;
  image.header = validate_safetensors_header(reinterpret_cast<const char*>(bytes) + 8, header_size,
                                             image.data_size, source);
  return image;
}

}  // namespace blade::io
