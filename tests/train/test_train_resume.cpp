// Exact resume on the CPU: N iterations straight and N/2 + resume + N/2 give bit-identical weights,
// EMA, optimizer moments, generator states and loss logs.

#include "moving_squares_source.h"
#include "throws.h"
#include "tiny_config.h"
#include "train/adamw_state.h"
#include "train/checkpoint.h"
#include "train/teacher_trainer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace blade;

namespace {

std::vector<std::string> log_lines(const std::filesystem::path& dir) {
  std::ifstream in(dir / "train_log.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    auto entry = nlohmann::json::parse(line);
    entry.erase("seconds");  // wall time differs between runs
    lines.push_back(entry.dump());
  }
  return lines;
}

void expect_equal(const train::NamedTensors& a, const train::NamedTensors& b, const char* what) {
  QCOMPARE(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    QCOMPARE(a[i].first, b[i].first);
    QVERIFY2(torch::equal(a[i].second, b[i].second), (std::string(what) + " " + a[i].first).c_str());
  }
}

}  // namespace

class TestTrainResume : public QObject {
  Q_OBJECT
 private slots:
  void resumed_run_equals_the_uninterrupted_run() {
    QTemporaryDir straight_dir, split_dir;
    const std::filesystem::path straight_path = straight_dir.path().toStdString();
    const std::filesystem::path split_path = split_dir.path().toStdString();
    auto options = test::tiny_teacher_options(straight_path);
    options.iterations = 8;
    options.prompt_dropout = 0.3;  // exercise the dropout draws across the resume
    test::MovingSquaresSource source(options.model.clip, 5);

    train::TeacherTrainer straight(options, source, false);
    straight.run();

    auto first_half = options;
    first_half.out_dir = split_path;
    first_half.iterations = 4;
    {
      train::TeacherTrainer part(first_half, source, false);
      part.run();
      QCOMPARE(part.iteration(), int64_t{4});
    }
    auto second_half = options;
    second_half.out_dir = split_path;
    second_half.batch = 99;  // ignored: a resumed run keeps its run settings
    train::TeacherTrainer resumed(second_half, source, true);
    QCOMPARE(resumed.iteration(), int64_t{4});
    QCOMPARE(resumed.data_cursor(), uint64_t{8});
    QCOMPARE(resumed.options().batch, int64_t{2});
    resumed.run();

    QCOMPARE(resumed.iteration(), int64_t{8});
    expect_equal(straight.parameters(), resumed.parameters(), "weights");
    expect_equal(straight.ema().averages(), resumed.ema().averages(), "EMA");
    const auto a = train::load_checkpoint(straight_path, "teacher");
    const auto b = train::load_checkpoint(split_path, "teacher");
    QCOMPARE(a.tensors.size(), b.tensors.size());
    for (const auto& [name, tensor] : a.tensors) {
      QVERIFY2(b.tensors.count(name) && torch::equal(tensor, b.tensors.at(name)), name.c_str());
    }
    QCOMPARE(a.info["data_cursor"], b.info["data_cursor"]);
    QCOMPARE(log_lines(straight_path), log_lines(split_path));
  }

  void resume_drops_log_lines_after_the_checkpoint() {
    QTemporaryDir dir;
    const std::filesystem::path path = dir.path().toStdString();
    auto options = test::tiny_teacher_options(path);
    options.iterations = 3;
    test::MovingSquaresSource source(options.model.clip, 5);
    {
      train::TeacherTrainer part(options, source, false);
      part.run();
    }
    {  // lines a crashed run wrote after its last checkpoint, and a torn last line
      std::ofstream log(path / "train_log.jsonl", std::ios::app);
      log << "{\"iteration\": 4, \"loss\": 1.0}\n{\"iteration\": 5, \"lo";
    }
    options.iterations = 3;
    train::TeacherTrainer resumed(options, source, true);
    QCOMPARE(log_lines(path).size(), size_t{3});
  }

  void resume_without_a_checkpoint_fails() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    test::MovingSquaresSource source(options.model.clip, 5);
    QVERIFY(test::throws_error([&] { train::TeacherTrainer(options, source, true); }, ErrorKind::Io));
  }
};

QTEST_GUILESS_MAIN(TestTrainResume)
#include "test_train_resume.moc"
