#pragma once
// Whole-file writes that never leave a half-written file behind: write "<target>.partial-<pid>" in
// the same folder, flush, then rename onto the target.

#include <filesystem>
#include <string_view>

namespace blade::train {

// Creates the parent folder if needed. Throws Io naming the path on failure.
void write_file_atomically(const std::filesystem::path& target, std::string_view bytes);

}  // namespace blade::train
