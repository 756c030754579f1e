#pragma once
// The loss log of a run: one JSON object per line ({"iteration": n, "loss": ..., ...}), flushed
// line by line so that it can be followed while training. A resumed run first drops the lines
// after the checkpoint's iteration (they belong to the part of the run that is redone).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace blade::train {

class LossLog {
 public:
  LossLog() = default;
  // `resume_after` < 0: start a new file; otherwise keep the lines with iteration <= resume_after.
  LossLog(const std::filesystem::path& path, int64_t resume_after);

  void append(const nlohmann::json& entry);
  const std::filesystem::path& path() const { return path_; }
  bool is_open() const { return out_.is_open(); }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace blade::train
