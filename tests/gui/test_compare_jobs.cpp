// The jobs of a comparison: the bundled student against its dense teacher at the teacher's own
// settings; any other model against itself with dense attention.

#include "gui_test_util.h"
#include "ui/compare_jobs.h"
#include "ui/default_model.h"

#include <QDir>
#include <QFileInfo>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

namespace {

StudioJob job_for(const QString& folder) {
  StudioJob job;
  job.model_folder = folder;
  job.request = test::small_request("asa-gt");
  job.request.prompt = "a small red circle drifts to the left over a blue sky";
  job.request.seed = 4242;
  job.request.steps = 8;
  job.request.guidance = 1.0;
  job.request.sampler = sampling::SamplerKind::Tdm;
  job.request.frames = 17;
  job.request.width = 64;
  job.request.height = 64;
  return job;
}

}  // namespace

class TestCompareJobs : public QObject {
  Q_OBJECT
 private slots:
  void bundled_student_is_compared_with_its_dense_teacher() {
    const QString student = default_model_folder();
    const QString teacher = bundled_teacher_for(student);
    QVERIFY2(teacher.endsWith(QStringLiteral("blade-mini-teacher")), qPrintable(teacher));
    const auto jobs = make_compare_jobs(job_for(student));
    QCOMPARE(jobs.blade.model_folder, student);
    QCOMPARE(jobs.blade.request.attention.backend, std::string("asa-gt"));
    QCOMPARE(jobs.blade.request.steps, 8);
    QCOMPARE(jobs.dense.model_folder, teacher);
    QCOMPARE(jobs.dense.request.attention.backend, std::string("dense"));
    QCOMPARE(jobs.dense.request.steps, 50);
    QCOMPARE(jobs.dense.request.guidance, 5.0);
    QCOMPARE(jobs.dense.request.sampler, sampling::SamplerKind::UniPC);
    for (const auto* side : {&jobs.dense, &jobs.blade}) {
      QCOMPARE(side->request.prompt, std::string("a small red circle drifts to the left over a blue sky"));
      QCOMPARE(side->request.seed, uint64_t{4242});
      QCOMPARE(side->request.frames, 17);
      QCOMPARE(side->request.width, 64);
    }
    QVERIFY(jobs.dense.label.contains(QStringLiteral("blade-mini-teacher")));
  }

  void other_models_are_compared_with_themselves_dense() {
    QVERIFY(bundled_teacher_for(test::tiny_model()).isEmpty());
    const QString teacher = bundled_teacher_for(default_model_folder());
    QVERIFY(bundled_teacher_for(teacher).isEmpty());  // a teacher has no teacher
    const auto jobs = make_compare_jobs(job_for(test::tiny_model()));
    QCOMPARE(jobs.dense.model_folder, test::tiny_model());
    QCOMPARE(jobs.dense.request.attention.backend, std::string("dense"));
    QCOMPARE(jobs.dense.request.steps, 8);
    QCOMPARE(jobs.dense.request.sampler, sampling::SamplerKind::Tdm);
  }

  // With the sparsity slider at 0 the form asks for dense attention: BLADE's side then uses
  // adaptive ASA, the method's own setting.
  void dense_form_compares_adaptive_asa() {
    auto job = job_for(test::tiny_model());
    job.request.attention = {};
    const auto jobs = make_compare_jobs(job);
    QCOMPARE(jobs.blade.request.attention.backend, std::string("asa"));
    QVERIFY(!jobs.blade.request.attention.asa.fixed_sparsity);
  }
};

QTEST_MAIN(TestCompareJobs)
#include "test_compare_jobs.moc"
