#pragma once
// The model BLADE Studio opens when none was chosen. Its source folder is one CMake setting
// (BLADE_STUDIO_DEFAULT_MODEL); installed builds carry a copy under share/blade-studio/models/.

#include <QString>
#include <QStringList>

namespace blade::ui {

// The installed copy next to the executable when there is one, else the folder of the build.
QString default_model_folder();

// The default model and the model folders beside it (its dense teacher and any other bundled
// model: folders with a model_index.json), the default first, then by name; clean paths.
QStringList bundled_model_folders();

}  // namespace blade::ui
