#include "progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace blade::cli {

ProgressBar::ProgressBar() : enabled_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(const std::string& label, int done, int total, const std::string& detail) {
  if (!enabled_ || total <= 0) return;
  constexpr int kWidth = 30;
  const int filled = done * kWidth / total;
  fmt::print(stderr, "\r{:<16} [{}{}] {}/{} {}\033[K", label, std::string(filled, '#'),
             std::string(kWidth - filled, '.'), done, total, detail);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

}  // namespace blade::cli
