// Sparsity-aware TDM on the CPU with a tiny teacher: both models train under ASA-GT, the teacher
// stays frozen, resume is exact, and the student exports as a loadable model folder.

#include "moving_squares_source.h"
#include "tiny_config.h"
#include "throws.h"
#include "train/checkpoint.h"
#include "train/folder_overlap.h"
#include "train/pixel_model_folder.h"
#include "train/tdm_distiller.h"
#include "train/teacher_trainer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace blade;
namespace fs = std::filesystem;

namespace {

// A briefly trained tiny teacher, exported once for all tests.
fs::path teacher_folder(const fs::path& root) {
  auto options = test::tiny_teacher_options(root / "teacher-run");
  options.iterations = 4;
  options.export_at_end = true;
  options.export_storage = train::WeightStorage::F32;
  test::MovingSquaresSource source(options.model.clip, 9);
  train::TeacherTrainer trainer(options, source, false);
  trainer.run();
  return root / "teacher-run" / "model";
}

train::DistillOptions tiny_distill_options(const fs::path& teacher, const fs::path& out) {
  train::DistillOptions o;
  o.teacher_dir = teacher;
  o.out_dir = out;
  o.student_steps = 4;
  o.batch = 2;
  o.iterations = 4;
  o.warmup = 1;
  o.student_adam.lr = 1e-3;
  o.fake_adam.lr = 1e-3;
  o.asa.block_size = 16;   // 80 tokens -> 5 blocks
  o.asa.pool_tokens = 4;
  o.asa.probe_tokens = 4;
  o.asa.fixed_sparsity = 0.6;  // keep 2 of 5 key blocks
  o.seed = 3;
  o.export_at_end = false;
  return o;
}

void expect_equal(const train::NamedTensors& a, const train::NamedTensors& b) {
  QCOMPARE(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) QVERIFY2(torch::equal(a[i].second, b[i].second), a[i].first.c_str());
}

}  // namespace

class TestTrainDistill : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  fs::path teacher_;

 private slots:
  void initTestCase() { teacher_ = teacher_folder(dir_.path().toStdString()); }

  void both_models_train_and_the_teacher_stays() {
    auto options = tiny_distill_options(teacher_, fs::path(dir_.path().toStdString()) / "smoke");
    options.export_at_end = true;
    test::MovingSquaresSource prompts({5, 16, 16}, 4);
    train::TdmDistiller distiller(options, prompts, false);
    QCOMPARE(distiller.rollout_timesteps(), (std::vector<int64_t>{999, 749, 499, 249}));
    const auto before_student = distiller.student_parameters();
    std::vector<torch::Tensor> initial;
    for (const auto& [name, p] : before_student) initial.push_back(p.detach().clone());
    int reports = 0;
    distiller.run([&](const train::TrainProgress& p) {
      ++reports;
      const auto& s = distiller.last_stats();
      qInfo("iteration %lld: student %.5f fake %.5f sparsity %.3f", static_cast<long long>(p.iteration),
            s.student_loss, s.fake_loss, s.sparsity);
      QVERIFY(std::isfinite(s.student_loss) && std::isfinite(s.fake_loss));
      QVERIFY(s.student_loss > 0.0 && s.fake_loss > 0.0);
      // fixed_sparsity 0.6 keeps 2 of 5 blocks; global tokens are 1/4 of the keys.
      QVERIFY2(std::abs(s.sparsity - (1.0 - 0.4 - 0.25)) < 1e-9, std::to_string(s.sparsity).c_str());
    });
    QCOMPARE(reports, 4);
    double moved = 0.0;
    for (size_t i = 0; i < initial.size(); ++i) {
      moved += (distiller.student_parameters()[i].second.detach() - initial[i]).abs().sum().item<double>();
    }
    QVERIFY(moved > 0.0);
    double fake_moved = 0.0;
    for (size_t i = 0; i < initial.size(); ++i) {
      fake_moved += (distiller.fake_parameters()[i].second.detach() - initial[i]).abs().sum().item<double>();
    }
    QVERIFY(fake_moved > 0.0);

    // The teacher folder is unchanged and the student folder loads with the student's weights.
    const auto teacher = train::load_pixel_model(teacher_);
    const auto student = train::load_pixel_model(options.out_dir / "model");
    QCOMPARE(student.blade["steps"].get<int>(), 4);
    QCOMPARE(student.blade["attention"].get<std::string>(), std::string("asa-gt"));
    // Generation follows the distillation's rollout: the TDM sampler with the same eta.
    QCOMPARE(student.blade["recommended"]["sampler"].get<std::string>(), std::string("tdm"));
    QCOMPARE(student.blade["recommended"]["eta"].get<double>(), options.eta);
    const auto loaded = student.dit->named_parameters();
    const auto original = teacher.dit->named_parameters();
    bool differs = false;
    for (const auto& [name, p] : distiller.student_parameters()) {
      const auto key = name.substr(8);
      QVERIFY2(torch::allclose(loaded[key], p.detach(), 1e-3, 1e-3), key.c_str());  // f16 storage
      differs = differs || !torch::equal(original[key], loaded[key]);
    }
    QVERIFY(differs);
    const auto sample = distiller.generate({"a red square moving left"}, 5);
    QCOMPARE(sample.sizes(), (torch::IntArrayRef{1, 3, 5, 16, 16}));
    QVERIFY(torch::isfinite(sample).all().item<bool>());
  }

  void the_output_folder_must_not_overlap_the_teacher() {
    // The teacher folder itself, a folder inside it, and the folder that holds it: each would let the
    // run's checkpoints or the student's export land on the teacher's files.
    const fs::path root = dir_.path().toStdString();
    test::MovingSquaresSource prompts({5, 16, 16}, 4);
    for (const fs::path& out : {teacher_, teacher_ / "student", teacher_.parent_path()}) {
      auto options = tiny_distill_options(teacher_, out);
      QVERIFY2(test::throws_error([&] { train::TdmDistiller(options, prompts, false); }, ErrorKind::InvalidArgument),
               out.string().c_str());
    }
    QVERIFY(!fs::exists(teacher_ / "student"));
    // A sibling whose name starts with the teacher folder's is separate.
    auto options = tiny_distill_options(teacher_, fs::path(teacher_.string() + "-student"));
    QVERIFY(!test::throws_error([&] { train::TdmDistiller(options, prompts, false); }));
  }

  void folders_are_compared_by_components() {
    QVERIFY(train::is_within("/a/b", "/a/b"));
    QVERIFY(train::is_within("/a/b/c", "/a/b"));
    QVERIFY(train::is_within("/a/b/c", "/a/b/"));
    QVERIFY(train::is_within("/a/b", "/"));
    QVERIFY(train::is_within("/a/b/../b/c", "/a/b"));
    QVERIFY(!train::is_within("/a/bc", "/a/b"));
    QVERIFY(!train::is_within("/a", "/a/b"));
    QVERIFY(!train::is_within("/x/b", "/a/b"));
  }

  void resumed_distillation_equals_the_uninterrupted_one() {
    const fs::path root = dir_.path().toStdString();
    test::MovingSquaresSource prompts({5, 16, 16}, 4);
    auto options = tiny_distill_options(teacher_, root / "straight");
    train::TdmDistiller straight(options, prompts, false);
    straight.run();

    auto first = tiny_distill_options(teacher_, root / "split");
    first.iterations = 2;
    {
      train::TdmDistiller part(first, prompts, false);
      part.run();
    }
    auto second = tiny_distill_options(teacher_, root / "split");
    second.guidance = 1.0;  // ignored on resume
    train::TdmDistiller resumed(second, prompts, true);
    QCOMPARE(resumed.iteration(), int64_t{2});
    QCOMPARE(resumed.options().guidance, 5.0);
    resumed.run();
    expect_equal(straight.student_parameters(), resumed.student_parameters());
    expect_equal(straight.fake_parameters(), resumed.fake_parameters());
    const auto a = train::load_checkpoint(root / "straight", "distill");
    const auto b = train::load_checkpoint(root / "split", "distill");
    for (const auto& [name, tensor] : a.tensors) {
      QVERIFY2(b.tensors.count(name) && torch::equal(tensor, b.tensors.at(name)), name.c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TestTrainDistill)
#include "test_train_distill.moc"
