#pragma once
// Where `blade` finds the models bundled with BLADE Studio (blade-mini-teacher, blade-mini,
// blade-mini-4step), located as the studio locates its default model: the installed copy next to
// the executable (<bin>/../share/blade-studio/models/<name>) when there is one, else the source
// tree's resources/models/<name> (BLADE_MODELS_DIR).

#include <filesystem>
#include <string>

namespace blade::cli {

std::filesystem::path bundled_model_folder(const std::string& name);

}  // namespace blade::cli
