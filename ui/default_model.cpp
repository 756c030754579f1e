#include "ui/default_model.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace blade::ui {

QString default_model_folder() {
  if (QCoreApplication::instance()) {
    const QString installed = QDir(QCoreApplication::applicationDirPath())
                                  .absoluteFilePath(QStringLiteral("../share/blade-studio/models/" BLADE_DEFAULT_MODEL_NAME));
    if (QFileInfo(installed).isDir()) return QDir::cleanPath(installed);
  }
  return QStringLiteral(BLADE_DEFAULT_MODEL_DIR);
}

QStringList bundled_model_folders() {
  const QString default_model = QDir::cleanPath(default_model_folder());
  QStringList folders{default_model};
  const QDir models = QFileInfo(default_model).dir();
  for (const QString& name : models.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    const QString folder = QDir::cleanPath(models.filePath(name));
    if (folder != default_model && QFileInfo::exists(folder + QStringLiteral("/model_index.json"))) folders << folder;
  }
  return folders;
}

}  // namespace blade::ui
