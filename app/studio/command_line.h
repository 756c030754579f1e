#pragma once
// blade-studio's command line: settings to start with, work to queue at start, and a screenshot
// mode that saves the window once that work is done (for documentation and smoke tests).

#include <QString>
#include <QStringList>

#include <optional>

namespace blade::studio {

struct StudioOptions {
  QString settings_file;  // empty: the user's settings
  QString model;
  QString prompt;
  std::optional<int> steps;
  std::optional<int> frames;
  QString size;  // WIDTHxHEIGHT
  std::optional<double> sparsity;
  QString mode;  // asa | asa-gt
  std::optional<int> block_size;
  std::optional<qulonglong> seed;
  QString open;  // a clip to open
  bool generate = false;
  bool compare = false;
  QString tab;  // timeline | attention | compare
  QString screenshot;
};

// Parses QCoreApplication::arguments(); prints help/version or an error and exits on misuse.
StudioOptions parse_command_line(const QStringList& arguments);

}  // namespace blade::studio
