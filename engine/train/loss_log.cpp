#include "train/loss_log.h"

#include "core/error.h"
#include "train/atomic_write.h"

#include <sstream>

namespace blade::train {

LossLog::LossLog(const std::filesystem::path& path, int64_t resume_after) : path_(path) {
  std::string kept;
  if (resume_after >= 0) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (entry.is_discarded() || !entry.contains("iteration")) continue;  // e.g. a line cut by a crash
      if (entry["iteration"].get<int64_t>() <= resume_after) kept += line + "\n";
    }
  }
  write_file_atomically(path, kept);
  out_.open(path, std::ios::app);
  if (!out_) fail(ErrorKind::Io, "cannot open the loss log {} for appending", path.string());
}

void LossLog::append(const nlohmann::json& entry) {
  if (!out_.is_open()) return;
  out_ << entry.dump() << '\n';
  out_.flush();
  if (!out_) fail(ErrorKind::Io, "writing the loss log {} failed", path_.string());
}

}  // namespace blade::train
