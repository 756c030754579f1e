#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal.

#include <string>

namespace blade::cli {

class ProgressBar {
 public:
  ProgressBar();
  void update(const std::string& label, int done, int total, const std::string& detail = "");
  void finish();

 private:
  bool enabled_ = false;
  bool drawn_ = false;
};

}  // namespace blade::cli
