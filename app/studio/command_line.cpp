#include "command_line.h"

#include "core/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>

namespace blade::studio {
namespace {

[[noreturn]] void usage_error(const QString& message) {
  std::fprintf(stderr, "blade-studio: %s\n", qPrintable(message));
  std::exit(2);
}

int to_int(const QString& text, const char* option) {
  bool ok = false;
  const int value = text.toInt(&ok);
  if (!ok) usage_error(QStringLiteral("--%1 expects a whole number, got '%2'").arg(QLatin1String(option), text));
  return value;
}

}  // namespace

StudioOptions parse_command_line(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("BLADE Studio: fast text-to-video with adaptive block-sparse attention"));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption settings(QStringLiteral("settings"), "Read and write settings in this INI file instead of the user's.", "file");
  const QCommandLineOption model(QStringLiteral("model"), "Model folder (Wan2.1, diffusers or original layout).", "folder");
  const QCommandLineOption prompt(QStringLiteral("prompt"), "Prompt to start with.", "text");
  const QCommandLineOption steps(QStringLiteral("steps"), "Denoising steps (1-50).", "n");
  const QCommandLineOption frames(QStringLiteral("frames"), "Frames (4n+1).", "n");
  const QCommandLineOption size(QStringLiteral("size"), "Clip size.", "WIDTHxHEIGHT");
  const QCommandLineOption sparsity(QStringLiteral("sparsity"), "Attention sparsity, 0 (dense) to 0.95.", "s");
  const QCommandLineOption mode(QStringLiteral("mode"), "Block-sparse mode: asa or asa-gt.", "mode");
  const QCommandLineOption block(QStringLiteral("block-size"), "Tokens per attention block (32, 64, 128, 256).", "n");
  const QCommandLineOption seed(QStringLiteral("seed"), "Seed (fixed).", "n");
  const QCommandLineOption open(QStringLiteral("open"), "Open a clip and restore its settings.", "file.mp4");
  const QCommandLineOption generate(QStringLiteral("generate"), "Queue a generation at start.");
  const QCommandLineOption compare(QStringLiteral("compare"), "Queue a dense vs BLADE comparison at start.");
  const QCommandLineOption tab(QStringLiteral("tab"), "View to show: timeline, attention or compare.", "name");
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      "When the queued work is done, save the window as this PNG and quit.", "file.png");
  parser.addOptions({settings, model, prompt, steps, frames, size, sparsity, mode, block, seed, open, generate, compare, tab, screenshot});
  parser.process(arguments);
  if (!parser.positionalArguments().isEmpty()) usage_error(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().front()));

  StudioOptions options;
  options.settings_file = parser.value(settings);
  options.model = parser.value(model);
  options.prompt = parser.value(prompt);
  if (parser.isSet(steps)) options.steps = to_int(parser.value(steps), "steps");
  if (parser.isSet(frames)) options.frames = to_int(parser.value(frames), "frames");
  options.size = parser.value(size);
  if (!options.size.isEmpty() && !options.size.contains(QLatin1Char('x'))) {
    usage_error(QStringLiteral("--size expects WIDTHxHEIGHT such as 832x480, got '%1'").arg(options.size));
  }
  if (parser.isSet(sparsity)) {
    bool ok = false;
    options.sparsity = parser.value(sparsity).toDouble(&ok);
    if (!ok || *options.sparsity < 0.0 || *options.sparsity > 0.95) {
      usage_error(QStringLiteral("--sparsity expects a number from 0 to 0.95, got '%1'").arg(parser.value(sparsity)));
    }
  }
  options.mode = parser.value(mode);
  if (!options.mode.isEmpty() && options.mode != QLatin1String("asa") && options.mode != QLatin1String("asa-gt")) {
    usage_error(QStringLiteral("--mode expects asa or asa-gt, got '%1'").arg(options.mode));
  }
  if (parser.isSet(block)) options.block_size = to_int(parser.value(block), "block-size");
  if (parser.isSet(seed)) {
    bool ok = false;
    options.seed = parser.value(seed).toULongLong(&ok);
    if (!ok) usage_error(QStringLiteral("--seed expects a whole number, got '%1'").arg(parser.value(seed)));
  }
  options.open = parser.value(open);
  options.generate = parser.isSet(generate);
  options.compare = parser.isSet(compare);
  options.tab = parser.value(tab);
  if (!options.tab.isEmpty() && options.tab != QLatin1String("timeline") && options.tab != QLatin1String("attention") &&
      options.tab != QLatin1String("compare")) {
    usage_error(QStringLiteral("--tab expects timeline, attention or compare, got '%1'").arg(options.tab));
  }
  options.screenshot = parser.value(screenshot);
  return options;
}

}  // namespace blade::studio
