#include "ui/studio_settings.h"

#include "core/log.h"
#include "pipeline/generation_request.h"
#include "ui/default_model.h"
#include "ui/generation_form.h"
#include "ui/model_picker.h"
#include "ui/prompt_editor.h"
#include "ui/seed_control.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QMainWindow>
#include <QSettings>
#include <QStandardPaths>

namespace blade::ui {
namespace {

const QString kRequest = QStringLiteral("form/request");
const QString kRandomSeed = QStringLiteral("form/randomSeed");
const QString kHistory = QStringLiteral("form/promptHistory");
const QString kModel = QStringLiteral("model/folder");
const QString kRecentModels = QStringLiteral("model/recent");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kClipFolder = QStringLiteral("files/clipFolder");

}  // namespace

void save_form(QSettings& settings, const GenerationForm& form) {
  settings.setValue(kRequest, QString::fromStdString(pipeline::to_json(form.request()).dump()));
  settings.setValue(kRandomSeed, form.seedControl()->isRandom());
  settings.setValue(kHistory, form.promptEditor()->history());
  settings.setValue(kModel, form.modelPicker()->folder());
  settings.setValue(kRecentModels, form.modelPicker()->recentFolders());
}

void restore_form(QSettings& settings, GenerationForm& form) {
  static auto log = blade::log::get("ui");
  form.modelPicker()->setRecentFolders(settings.value(kRecentModels).toStringList());
  const QString remembered = settings.value(kModel).toString();
  if (remembered.isEmpty() || !form.modelPicker()->setFolder(remembered)) form.modelPicker()->setFolder(default_model_folder());
  form.promptEditor()->setHistory(settings.value(kHistory).toStringList());
  const QString stored = settings.value(kRequest).toString();
  if (!stored.isEmpty()) {
    try {
      form.setRequest(pipeline::request_from_json(nlohmann::json::parse(stored.toStdString())));
    } catch (const std::exception& e) {
      log->warn("the remembered settings could not be restored: {}", e.what());
    }
  }
  form.seedControl()->setRandom(settings.value(kRandomSeed, false).toBool());
}

void save_window(QSettings& settings, const QMainWindow& window) {
  settings.setValue(kGeometry, window.saveGeometry());
  settings.setValue(kState, window.saveState());
}

void restore_window(QSettings& settings, QMainWindow& window) {
  window.restoreGeometry(settings.value(kGeometry).toByteArray());
  window.restoreState(settings.value(kState).toByteArray());
}

QString last_clip_folder(QSettings& settings) {
  const QString fallback = QStandardPaths::writableLocation(QStandardPaths::MoviesLocation);
  return settings.value(kClipFolder, fallback.isEmpty() ? QDir::homePath() : fallback).toString();
}

void set_last_clip_folder(QSettings& settings, const QString& folder) { settings.setValue(kClipFolder, folder); }

}  // namespace blade::ui
