#include "train/remove_tree.h"

#include <vector>

namespace blade::train {

void remove_tree(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::symlink_status(path, error);
  if (error || !std::filesystem::exists(status)) return;
  if (std::filesystem::is_directory(status)) {
    std::vector<std::filesystem::path> children;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) children.push_back(entry.path());
    for (const auto& child : children) remove_tree(child);
  }
  std::filesystem::remove(path, error);
}

}  // namespace blade::train
