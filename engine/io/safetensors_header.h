#pragma once
// The torch-free half of the safetensors support: dtypes, tensor records and the validation of a
// whole file image (length prefix, JSON header, data section). It depends only on the standard
// library, {fmt} and nlohmann_json so that the fuzzer can build it without LibTorch.
//
// Its errors are HeaderError, a local exception type: blade::Error's constructor lives in
// engine/core/error.cpp, which needs c10. The torch side (parse_safetensors_header and
// SafetensorsFile in io/safetensors.h) rethrows every HeaderError as blade::Error(BadWeights) with
// the same message, so users only ever see blade::Error.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace blade::io {

enum class StoredDType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* to_string(StoredDType dtype);            // "F32", ...
size_t element_size(StoredDType dtype);
std::optional<StoredDType> parse_stored_dtype(std::string_view text);  // "F32" -> F32
bool is_floating(StoredDType dtype);

struct TensorRecord {
  std::string name;
  StoredDType dtype = StoredDType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the start of the data section
  uint64_t end = 0;
  int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorRecord> tensors;           // in file order of their data
  std::map<std::string, std::string> metadata;
};

class HeaderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Validates the JSON header of a file whose data section has `data_size` bytes. Throws HeaderError
// whose message starts with `source` (the file path) and names the tensor at fault.
SafetensorsHeader validate_safetensors_header(const char* json, size_t json_size,
                                              uint64_t data_size, const std::string& source);

struct SafetensorsImage {
  SafetensorsHeader header;
  uint64_t data_start = 0;  // byte offset of the data section in the image
  uint64_t data_size = 0;
};

// Validates a whole file image held in memory (a mapping or a buffer): the 8-byte little-endian
// header length, the header and every tensor's byte range. Throws HeaderError naming `source`.
SafetensorsImage validate_safetensors_image(const uint8_t* bytes, size_t size,
                                            const std::string& source);

}  // namespace blade::io
