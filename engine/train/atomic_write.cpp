#include "train/atomic_write.h"

#include "core/error.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace blade::train {

void write_file_atomically(const std::filesystem::path& target, std::string_view bytes) {
  std::error_code error;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), error);
  const auto partial = std::filesystem::path(target.string() + ".partial-" + std::to_string(::getpid()));
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (!file) fail(ErrorKind::Io, "cannot create {}: {}", partial.string(), std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const bool closed = std::fclose(file) == 0;
  if (!written || !flushed || !closed) {
    const int code = errno;
    std::filesystem::remove(partial, error);
    fail(ErrorKind::Io, "writing {} ({} bytes) failed: {}", target.string(), bytes.size(), std::strerror(code));
  }
  std::filesystem::rename(partial, target, error);
  if (error) {
    const std::string reason = error.message();
    std::filesystem::remove(partial, error);
    fail(ErrorKind::Io, "cannot rename {} onto {}: {}", partial.string(), target.string(), reason);
  }
}

}  // namespace blade::train
