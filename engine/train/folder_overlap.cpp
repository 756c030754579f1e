#include "train/folder_overlap.h"

#include "core/error.h"

namespace blade::train {

namespace fs = std::filesystem;

fs::path absolute_path(const fs::path& path) {
  std::error_code error;
  const fs::path absolute = fs::absolute(path, error);
  if (error) fail(ErrorKind::Io, "cannot make {} an absolute path: {}", path.string(), error.message());
  // Symbolic links are resolved where the path exists and can be read; otherwise it is compared as written.
  const fs::path canonical = fs::weakly_canonical(absolute, error);
  return (error ? absolute : canonical).lexically_normal();
}

bool is_within(const fs::path& path, const fs::path& folder) {
  const fs::path relative = path.lexically_normal().lexically_relative(folder.lexically_normal());
  // Empty: different roots; "..": a step out of the folder.
  return !relative.empty() && *relative.begin() != "..";
}

void require_separate_folders(const fs::path& input, const fs::path& output, const std::string& reading) {
  const fs::path in = absolute_path(input), out = absolute_path(output);
  if (is_within(in, out) || is_within(out, in)) {
    fail(ErrorKind::InvalidArgument, "the run {} {} would write into {}, which {} it: the run's checkpoints and "
         "export could overwrite the weights it starts from; give a separate output folder", reading, in.string(),
         out.string(), is_within(in, out) ? "contains" : "lies inside");
  }
}

}  // namespace blade::train
