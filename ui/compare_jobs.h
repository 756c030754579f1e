#pragma once
// The two jobs of a comparison: BLADE (the form's job, sparse attention) and its dense baseline.
// For a distilled student whose teacher is bundled (model_index.json "blade"."teacher" naming a
// bundled teacher's "blade"."name"), the baseline is that dense teacher at the settings it
// recommends (BLADE-mini: 50 UniPC steps, guidance 5); otherwise the same model with dense
// attention. Prompt, seed, frames and size are the same on both sides.

#include "ui/studio_types.h"

#include <QString>

namespace blade::ui {

struct CompareJobs {
  StudioJob dense;
  StudioJob blade;
};

// The bundled teacher folder of the student in `model_folder`, or empty.
QString bundled_teacher_for(const QString& model_folder);

// Throws what reading a model_index.json throws (a malformed teacher folder).
CompareJobs make_compare_jobs(StudioJob blade);

}  // namespace blade::ui
