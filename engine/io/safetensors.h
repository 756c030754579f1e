#pragma once
// safetensors files: a memory-mapped reader that validates the whole header before any tensor is
// touched, and an atomic writer. Format: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data.

#include "io/safetensors_header.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace blade::io {

// StoredDType, to_string, element_size, TensorRecord and SafetensorsHeader are declared in
// io/safetensors_header.h (torch-free, so that the fuzzer builds without LibTorch).

torch::Dtype to_torch(StoredDType dtype);
std::optional<StoredDType> from_torch(torch::Dtype dtype);  // nullopt for dtypes not stored here

// The validated content of a header, without the data: validate_safetensors_header (torch-free,
// fuzzed on its own) with its errors reported as blade::Error. Throws blade::Error(BadWeights) naming `source` for any inconsistency:
// bad JSON, unknown dtype, negative or overflowing shape, begin > end, a byte size that does not
// match dtype x shape, ranges outside data_size, overlapping ranges.
SafetensorsHeader parse_safetensors_header(const char* json, size_t json_size, uint64_t data_size,
                                           const std::string& source);

class SafetensorsFile {
 public:
  // Maps the file and validates its header; throws blade::Error (Io or BadWeights) naming the path.
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorRecord>& tensors() const { return header_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  const TensorRecord* find(const std::string& name) const;  // nullptr when absent

  // A CPU tensor with the stored dtype and shape, holding its own copy of the bytes.
  torch::Tensor load(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  SafetensorsHeader header_;
  std::map<std::string, size_t> index_;
  const uint8_t* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  uint64_t data_start_ = 0;
};

// Writes tensors (any device, contiguous or not; dtypes of StoredDType) to `path` through a
// temporary file in the same folder that is renamed at the end, so a failure never leaves a broken
// file at `path`. Throws blade::Error(Io) naming the path on any write error (full disk...).
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace blade::io
