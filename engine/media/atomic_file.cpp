#include "media/atomic_file.h"

#include "core/error.h"
#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace blade::media {

namespace {

auto log = blade::log::get("media");

// Distinguishes partial files of writes running at the same time in one process.
std::atomic<int> g_partial_counter{0};

// The reasons a file cannot be created in the target's folder, found before any encoding starts.
void check_target_folder(const std::filesystem::path& target) {
  const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code error;
  const auto folder_status = std::filesystem::status(folder, error);
  if (!std::filesystem::exists(folder_status)) {
    fail(ErrorKind::Io, "cannot write {}: the folder {} does not exist", target.string(), folder.string());
  }
  if (!std::filesystem::is_directory(folder_status)) {
    fail(ErrorKind::Io, "cannot write {}: {} is not a folder", target.string(), folder.string());
  }
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    fail(ErrorKind::Io, "cannot write {}: the folder {} is not writable ({})", target.string(), folder.string(),
         std::strerror(errno));
  }
  if (std::filesystem::is_directory(target, error)) {
    fail(ErrorKind::Io, "cannot write {}: a folder of that name exists", target.string());
  }
}

}  // namespace

AtomicFileWrite::AtomicFileWrite(std::filesystem::path target) : target_(std::move(target)) {
  check_target_folder(target_);
  partial_ = target_;
  partial_ += ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(g_partial_counter.fetch_add(1));
}

AtomicFileWrite::~AtomicFileWrite() {
  if (committed_) return;
  std::error_code error;
  if (std::filesystem::remove(partial_, error); error) {
    log->warn("could not remove the unfinished file {}: {}", partial_.string(), error.message());
  }
}

void AtomicFileWrite::commit() {
  std::error_code error;
  std::filesystem::rename(partial_, target_, error);
  if (error) {
    fail(ErrorKind::Io, "could not move the finished file {} onto {}: {}", partial_.string(), target_.string(),
         error.message());
  }
  committed_ = true;
}

}  // namespace blade::media
