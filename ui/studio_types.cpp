#include "ui/studio_types.h"

namespace blade::ui {

void register_studio_metatypes() {
  qRegisterMetaType<StudioJob>();
  qRegisterMetaType<StepSnapshotPtr>();
  qRegisterMetaType<GenerationOutputPtr>();
  qRegisterMetaType<ModelSummary>();
}

}  // namespace blade::ui
