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

}  // namespace blade::ui
