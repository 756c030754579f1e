#include "default_models.h"

namespace blade::cli {

std::filesystem::path bundled_model_folder(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path installed = executable.parent_path() / ".." / "share" / "blade-studio" / "models" / name;
    if (fs::is_directory(installed, error)) return installed.lexically_normal();
  }
  return fs::path(BLADE_MODELS_DIR) / name;
}

}  // namespace blade::cli
