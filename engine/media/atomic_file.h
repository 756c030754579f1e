#pragma once
// "Write beside, then rename": the writer writes partial_path() ("<target>.partial-<pid>-<n>", same
// folder, so the rename cannot cross file systems) and calls commit(). Destroying the object
// without a commit removes the partial file; the target is only ever replaced by rename.

#include <filesystem>

namespace blade::media {

class AtomicFileWrite {
 public:
  // Throws Io naming `target` when its folder is missing, is not a folder or is not writable, or
  // when `target` itself is a folder.
  explicit AtomicFileWrite(std::filesystem::path target);
  ~AtomicFileWrite();
  AtomicFileWrite(const AtomicFileWrite&) = delete;
  AtomicFileWrite& operator=(const AtomicFileWrite&) = delete;

  const std::filesystem::path& target_path() const { return target_; }
  const std::filesystem::path& partial_path() const { return partial_; }

  // Renames the (closed) partial file onto the target, replacing it. Throws Io on failure.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path partial_;
  bool committed_ = false;
};

}  // namespace blade::media
