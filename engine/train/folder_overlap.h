#pragma once
// Guards for runs that read a model folder and write checkpoints and an export into another: the
// two must not overlap, or the run could overwrite the weights it reads.

#include <filesystem>
#include <string>

namespace blade::train {

// Absolute and normalised, with symbolic links resolved as far as the path exists.
std::filesystem::path absolute_path(const std::filesystem::path& path);

// Whether `path` is `folder` or lies inside it, compared by path components (so "/a/bc" is not
// inside "/a/b", and everything is inside "/"). Both absolute.
bool is_within(const std::filesystem::path& path, const std::filesystem::path& folder);

// Throws InvalidArgument when `output` is `input`, contains it or lies inside it. `reading` says
// what the run reads there ("initialised from", "distilled from"), for the message.
void require_separate_folders(const std::filesystem::path& input, const std::filesystem::path& output,
                              const std::string& reading);

}  // namespace blade::train
