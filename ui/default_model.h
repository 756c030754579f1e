#pragma once
// The model BLADE Studio opens when none was chosen. Its source folder is one CMake setting
// (BLADE_STUDIO_DEFAULT_MODEL); installed builds carry a copy under share/blade-studio/models/.

#include <QString>

namespace blade::ui {

// The installed copy next to the executable when there is one, else the folder of the build.
QString default_model_folder();

}  // namespace blade::ui
