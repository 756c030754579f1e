// blade-studio: the BLADE Studio desktop application.

#include "command_line.h"
#include "core/version.h"
#include "ui/attention_controls.h"
#include "ui/engine_controller.h"
#include "ui/generation_form.h"
#include "ui/main_window.h"
#include "ui/model_picker.h"
#include "ui/seed_control.h"

#include <QApplication>
#include <QIcon>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <string_view>

namespace {

using blade::studio::StudioOptions;
using blade::ui::MainWindow;

void apply_options(MainWindow& window, const StudioOptions& options) {
  auto& form = *window.form();
  if (!options.model.isEmpty()) form.modelPicker()->setFolder(options.model);
  const bool random_seed = form.seedControl()->isRandom();
  auto request = form.request();
  if (!options.prompt.isEmpty()) request.prompt = options.prompt.toStdString();
  if (options.steps) request.steps = *options.steps;
  if (options.frames) request.frames = *options.frames;
  if (!options.size.isEmpty()) {
    request.width = options.size.section(QLatin1Char('x'), 0, 0).toInt();
    request.height = options.size.section(QLatin1Char('x'), 1, 1).toInt();
  }
  if (options.sparsity) {
    request.attention.backend = *options.sparsity > 0.0 ? (options.mode.isEmpty() ? "asa" : options.mode.toStdString()) : "dense";
    request.attention.asa.fixed_sparsity = *options.sparsity > 0.0 ? options.sparsity : std::nullopt;
  } else if (!options.mode.isEmpty() && request.attention.backend != "dense") {
    request.attention.backend = options.mode.toStdString();
  }
  if (options.block_size) request.attention.asa.block_size = *options.block_size;
  if (options.seed) request.seed = *options.seed;
  form.setRequest(request);
  form.seedControl()->setRandom(options.seed ? false : random_seed);
  if (!options.tab.isEmpty()) {
    const int index = options.tab == QLatin1String("attention") ? 1 : options.tab == QLatin1String("compare") ? 2 : 0;
    window.tabs()->setCurrentIndex(index);
  }
}

// Saves the window once the queued work (and an opened clip) is done, then quits.
void screenshot_when_done(MainWindow& window, const StudioOptions& options, int* exit_code) {
  auto take = [&window, path = options.screenshot, exit_code] {
    QTimer::singleShot(400, &window, [&window, path, exit_code] {
      if (!window.grab().save(path, "PNG")) {
        std::fprintf(stderr, "blade-studio: could not write the screenshot %s\n", qPrintable(path));
        *exit_code = 1;
      } else {
        std::fprintf(stderr, "blade-studio: saved %s\n", qPrintable(path));
      }
      window.close();
    });
  };
  QObject::connect(&window, &MainWindow::errorShown, &window, [exit_code] { *exit_code = 1; });
  auto* engine = window.engine();
  if (engine->busy() || !engine->pending().isEmpty()) {
    auto taken = std::make_shared<bool>(false);
    QObject::connect(engine, &blade::ui::EngineController::queueChanged, &window, [engine, take, taken] {
      if (!*taken && !engine->busy() && engine->pending().isEmpty()) {
        *taken = true;
        take();
      }
    });
  } else if (!options.open.isEmpty()) {
    QObject::connect(&window, &MainWindow::clipOpened, &window, take);
  } else {
    take();
  }
}

// --help and --version print and exit; they must work without a display.
bool only_prints(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "--help-all" || arg == "-?" || arg == "-v" || arg == "--version") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (only_prints(argc, argv)) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationVersion(QString::fromLatin1(blade::kVersion));
    blade::studio::parse_command_line(QCoreApplication::arguments());
    return 0;
  }
  QGuiApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("BLADE Studio"));
  QApplication::setApplicationName(QStringLiteral("BLADE Studio"));
  QApplication::setApplicationVersion(QString::fromLatin1(blade::kVersion));
  QGuiApplication::setDesktopFileName(QStringLiteral(BLADE_STUDIO_APP_ID));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/blade-studio.png")));

  const StudioOptions options = blade::studio::parse_command_line(QApplication::arguments());
  auto settings = options.settings_file.isEmpty() ? std::make_unique<QSettings>()
                                                  : std::make_unique<QSettings>(options.settings_file, QSettings::IniFormat);
  MainWindow window(settings.get());
  apply_options(window, options);
  window.show();

  int exit_code = 0;
  if (!options.open.isEmpty()) window.openClip(options.open);
  if (options.generate) window.generate();
  if (options.compare) window.compare();
  if (!options.screenshot.isEmpty()) screenshot_when_done(window, options, &exit_code);
  const int app_code = app.exec();
  return app_code != 0 ? app_code : exit_code;
}
