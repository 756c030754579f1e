#include "ui/compare_jobs.h"

#include "eval/model_eval/model_recommendation.h"
#include "ui/default_model.h"
#include "ui/generation_form.h"

#include <QDir>
#include <QFileInfo>

namespace blade::ui {

QString bundled_teacher_for(const QString& model_folder) {
  if (model_folder.isEmpty()) return {};
  const auto student = eval::read_recommendation(model_folder.toStdString());
  if (student.role != "student" || student.teacher.empty()) return {};
  const QString self = QFileInfo(model_folder).canonicalFilePath();
  for (const QString& folder : bundled_model_folders()) {
    if (QFileInfo(folder).canonicalFilePath() == self) continue;
    try {
      const auto candidate = eval::read_recommendation(folder.toStdString());
      if (candidate.role == "teacher" && candidate.name == student.teacher) return folder;
    } catch (const std::exception&) {
      // A broken bundled folder is not this student's teacher.
    }
  }
  return {};
}

CompareJobs make_compare_jobs(StudioJob blade) {
  if (blade.request.attention.backend == "dense") {
    // The slider is at 0: compare against adaptive ASA, the method's own setting.
    blade.request.attention.backend = "asa";
    blade.request.attention.asa.fixed_sparsity.reset();
    blade.label = describe_request(blade.request);
  }
  StudioJob dense = blade;
  dense.request.attention = {};
  const QString teacher = bundled_teacher_for(blade.model_folder);
  if (!teacher.isEmpty()) {
    const auto recommended = eval::read_recommendation(teacher.toStdString());
    dense.model_folder = teacher;
    dense.request.steps = recommended.steps.value_or(50);
    dense.request.guidance = recommended.guidance.value_or(5.0);
    dense.request.sampler = recommended.sampler.value_or(sampling::SamplerKind::UniPC);
    if (recommended.shift) dense.request.shift = *recommended.shift;
    dense.request.lora = {};
    dense.label = QObject::tr("%1: %2 (compare)").arg(QFileInfo(teacher).fileName(), describe_request(dense.request));
  } else {
    dense.label = QObject::tr("%1 (compare)").arg(describe_request(dense.request));
  }
  blade.label = QObject::tr("%1 (compare)").arg(blade.label);
  return {std::move(dense), std::move(blade)};
}

}  // namespace blade::ui
