#pragma once
// Removes a folder and everything in it. std::filesystem::remove_all is not used: the LibTorch
// wheel's libtorch.so exports its own copy of that function, which the dynamic linker may pick
// and which crashes on non-empty folders.

#include <filesystem>

namespace blade::train {

// Nothing happens for a missing path. Symbolic links are removed, not followed. Errors are ignored
// (what could not be removed stays).
void remove_tree(const std::filesystem::path& path);

}  // namespace blade::train
