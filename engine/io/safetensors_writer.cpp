#include "io/safetensors.h"

#include "core/error.h"
#include "core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

namespace blade::io {
namespace {

static auto log = blade::log::get("io");

struct PreparedTensor {
  std::string name;
  StoredDType dtype = StoredDType::F32;
  torch::Tensor source;
};

std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  std::random_device entropy;
  const uint64_t random = (uint64_t{entropy()} << 32) | entropy();
  auto name = path.filename().string();
  name += fmt::format(".tmp-{}-{:016x}", ::getpid(), random);
  return path.parent_path() / name;
}

// The temporary file: removed again unless commit() renamed it onto the target.
class TemporaryFile {
 public:
  TemporaryFile(std::filesystem::path target) : target_(std::move(target)), path_(temporary_path_for(target_)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) fail_with_errno(fmt::format("cannot create {}", path_.string()));
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write(const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    while (size > 0) {
      // Large writes in pieces: some systems cap a single write near 2 GiB.
      const ssize_t written = ::write(fd_, bytes, std::min<size_t>(size, size_t{1} << 30));
      if (written < 0) {
        if (errno == EINTR) continue;
        fail_with_errno("writing failed");
      }
      bytes += written;
      size -= static_cast<size_t>(written);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail_with_errno("flushing to disk failed");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_with_errno("closing failed");
    if (::rename(path_.c_str(), target_.c_str()) != 0) {
      fail_with_errno(fmt::format("renaming {} failed", path_.filename().string()));
    }
    committed_ = true;
    // Makes the rename itself durable; failing here loses nothing that was asked for.
    const auto folder = target_.parent_path().empty() ? std::filesystem::path(".") : target_.parent_path();
    const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }

 private:
  [[noreturn]] void fail_with_errno(const std::string& what) const {
    const int error = errno;
    fail(ErrorKind::Io, "cannot write {}: {}: {}", target_.string(), what, std::strerror(error));
  }

  std::filesystem::path target_;
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

std::vector<PreparedTensor> prepare(const std::filesystem::path& path,
                                    const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  std::vector<PreparedTensor> prepared;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") {
      fail(ErrorKind::InvalidArgument, "cannot write {}: '__metadata__' is not a valid tensor name",
           path.string());
    }
    if (!seen.insert(name).second) {
      fail(ErrorKind::InvalidArgument, "cannot write {}: tensor '{}' is given twice", path.string(),
           name);
    }
    if (!tensor.defined()) {
      fail(ErrorKind::InvalidArgument, "cannot write {}: tensor '{}' is undefined", path.string(),
           name);
    }
    const auto dtype = from_torch(tensor.scalar_type());
    if (!dtype) {
      fail(ErrorKind::InvalidArgument,
           "cannot write {}: tensor '{}' has dtype {}, which safetensors files here do not store "
           "(F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)", path.string(), name,
           c10::toString(tensor.scalar_type()));
    }
    prepared.push_back({name, *dtype, tensor});
  }
  // The data goes in order of falling element size (then name), as the Python library writes it:
  // with an 8-byte aligned data section every tensor then starts aligned to its element size.
  std::sort(prepared.begin(), prepared.end(), [](const PreparedTensor& a, const PreparedTensor& b) {
    const size_t size_a = element_size(a.dtype);
    const size_t size_b = element_size(b.dtype);
    return size_a != size_b ? size_a > size_b : a.name < b.name;
  });
  return prepared;
}

// `tensors` in data order; the header lists them sorted by name.
std::string header_json(const std::vector<PreparedTensor>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  std::map<std::string, nlohmann::ordered_json> entries;
  uint64_t offset = 0;
  for (const PreparedTensor& t : tensors) {
    const uint64_t bytes = static_cast<uint64_t>(t.source.numel()) * element_size(t.dtype);
    entries[t.name] = {{"dtype", to_string(t.dtype)},
                       {"shape", t.source.sizes().vec()},
                       {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  for (auto& [name, entry] : entries) header[name] = std::move(entry);
  std::string text = header.dump();
  // The data section starts 8-byte aligned, as the Python library writes it.
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<PreparedTensor> prepared = prepare(path, tensors);
  std::string header;
  try {
    header = header_json(prepared, metadata);
  } catch (const nlohmann::json::exception& e) {  // names or metadata that are not UTF-8
    fail(ErrorKind::InvalidArgument, "cannot write {}: {}", path.string(), e.what());
  }

  TemporaryFile file(path);
  uint8_t length[8];
  uint64_t header_size = header.size();
  for (uint8_t& byte : length) {
    byte = static_cast<uint8_t>(header_size & 0xff);
    header_size >>= 8;
  }
  file.write(length, sizeof length);
  file.write(header.data(), header.size());
  uint64_t data_bytes = 0;
  for (PreparedTensor& t : prepared) {
    // One tensor at a time on the CPU, so a model on the GPU is never copied whole.
    torch::Tensor cpu = t.source.detach().to(torch::kCPU).contiguous();
    const size_t bytes = static_cast<size_t>(cpu.numel()) * element_size(t.dtype);
    if (bytes > 0) file.write(cpu.data_ptr(), bytes);
    data_bytes += bytes;
  }
  file.commit();
  log->debug("wrote {}: {} tensors, {} bytes of data", path.string(), prepared.size(),
                  data_bytes);
}

}  // namespace blade::io
