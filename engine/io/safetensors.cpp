#include "io/safetensors.h"

#include "core/error.h"
#include "core/log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace blade::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swapping");

static auto log = blade::log::get("io");

// Closes a file descriptor when the scope ends (the mapping stays valid after close).
struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

torch::Dtype to_torch(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::F64: return torch::kFloat64;
    case StoredDType::F32: return torch::kFloat32;
    case StoredDType::F16: return torch::kFloat16;
    case StoredDType::BF16: return torch::kBFloat16;
    case StoredDType::I64: return torch::kInt64;
    case StoredDType::I32: return torch::kInt32;
    case StoredDType::I16: return torch::kInt16;
    case StoredDType::I8: return torch::kInt8;
    case StoredDType::U8: return torch::kUInt8;
    case StoredDType::BOOL: return torch::kBool;
  }
  fail(ErrorKind::Internal, "unknown stored dtype {}", static_cast<int>(dtype));
}

std::optional<StoredDType> from_torch(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat64: return StoredDType::F64;
    case torch::kFloat32: return StoredDType::F32;
    case torch::kFloat16: return StoredDType::F16;
    case torch::kBFloat16: return StoredDType::BF16;
    case torch::kInt64: return StoredDType::I64;
    case torch::kInt32: return StoredDType::I32;
    case torch::kInt16: return StoredDType::I16;
    case torch::kInt8: return StoredDType::I8;
    case torch::kUInt8: return StoredDType::U8;
    case torch::kBool: return StoredDType::BOOL;
    default: return std::nullopt;
  }
}

SafetensorsHeader parse_safetensors_header(const char* json, size_t json_size, uint64_t data_size,
                                           const std::string& source) {
  try {
    return validate_safetensors_header(json, json_size, data_size, source);
  } catch (const HeaderError& e) {
    throw Error(ErrorKind::BadWeights, e.what());
  }
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  const std::string source = path.string();
  FdCloser file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    fail(ErrorKind::Io, "cannot open weights file {}: {}", source, std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) {
    fail(ErrorKind::Io, "cannot read the size of {}: {}", source, std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    fail(ErrorKind::BadWeights, "{} is not a regular file (a .safetensors file was expected)",
         source);
  }

  std::shared_ptr<SafetensorsFile> result(new SafetensorsFile());
  result->path_ = path;
  result->mapping_size_ = static_cast<size_t>(info.st_size);
  if (result->mapping_size_ > 0) {
    void* mapping = ::mmap(nullptr, result->mapping_size_, PROT_READ, MAP_PRIVATE, file.fd, 0);
    if (mapping == MAP_FAILED) {
      fail(ErrorKind::Io, "cannot map {} ({} bytes) into memory: {}", source,
           result->mapping_size_, std::strerror(errno));
    }
    result->mapping_ = static_cast<const uint8_t*>(mapping);
  }

  SafetensorsImage image;
  try {
    image = validate_safetensors_image(result->mapping_, result->mapping_size_, source);
  } catch (const HeaderError& e) {
    throw Error(ErrorKind::BadWeights, e.what());
  }
  result->header_ = std::move(image.header);
  result->data_start_ = image.data_start;
  for (size_t i = 0; i < result->header_.tensors.size(); ++i) {
    result->index_.emplace(result->header_.tensors[i].name, i);
  }
  log->debug("opened {}: {} tensors, {} bytes of data", source, result->header_.tensors.size(),
                  image.data_size);
  return result;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(const_cast<uint8_t*>(mapping_), mapping_size_);
}

const TensorRecord* SafetensorsFile::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

torch::Tensor SafetensorsFile::load(const std::string& name) const {
  const TensorRecord* record = find(name);
  if (!record) {
    fail(ErrorKind::BadWeights, "{}: there is no tensor '{}' (the file has {} tensors)",
         path_.string(), name, header_.tensors.size());
  }
  // BOOL is read as bytes and compared with 0: a bool tensor holding a byte other than 0 or 1
  // would be undefined behaviour in LibTorch.
  const bool is_bool = record->dtype == StoredDType::BOOL;
  torch::Tensor tensor =
      torch::empty(record->shape, torch::TensorOptions().dtype(
                                      is_bool ? torch::kUInt8 : to_torch(record->dtype)));
  const size_t byte_count = record->end - record->begin;
  if (byte_count > 0) {
    // memcpy copes with any alignment of the source offset.
    std::memcpy(tensor.data_ptr(), mapping_ + data_start_ + record->begin, byte_count);
  }
  return is_bool ? tensor.ne(0) : tensor;
}

}  // namespace blade::io
