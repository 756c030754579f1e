// Teacher training on the CPU with a tiny model: the loss on a fixed batch goes down, progress and
// the loss log follow every iteration, and a cancel leaves a checkpoint.

#include "core/cancel.h"
#include "core/error.h"
#include "expect_error.h"
#include "models/text/prompt_tokenizer.h"
#include "moving_squares_source.h"
#include "throws.h"
#include "tiny_config.h"
#include "train/checkpoint.h"
#include "train/pixel_model_folder.h"
#include "train/teacher_trainer.h"
#include "train/world_clip_source.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

using namespace blade;

class TestTrainTeacher : public QObject {
  Q_OBJECT
 private slots:
  void loss_on_a_fixed_batch_goes_down() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    options.iterations = 60;
    options.batch = 4;
    options.ema_decay = 0.9;
    test::MovingSquaresSource source(options.model.clip, 1);
    train::TeacherTrainer trainer(options, source, false);
    const auto fixed = source.batch(1'000'000, 8);  // clips the run never trains on

    const double before = trainer.evaluate_loss(fixed, 99, false);
    std::vector<double> losses;
    int reports = 0;
    trainer.run([&](const train::TrainProgress& p) {
      ++reports;
      QCOMPARE(p.iteration, static_cast<int64_t>(reports));
      QCOMPARE(p.total, int64_t{60});
      losses.push_back(p.loss);
    });
    const double after = trainer.evaluate_loss(fixed, 99, false);
    const double after_ema = trainer.evaluate_loss(fixed, 99, true);
    const double first = (losses[0] + losses[1] + losses[2] + losses[3] + losses[4]) / 5.0;
    const double last = (losses[55] + losses[56] + losses[57] + losses[58] + losses[59]) / 5.0;
    qInfo("fixed-batch loss %.4f -> %.4f (EMA %.4f); training loss mean of first 5 %.4f, last 5 %.4f", before, after,
          after_ema, first, last);
    QCOMPARE(reports, 60);
    QVERIFY(after < 0.6 * before);
    QVERIFY(after_ema < 0.8 * before);
    QVERIFY(last < 0.7 * first);
    QCOMPARE(trainer.data_cursor(), uint64_t{60 * 4});

    std::ifstream log(dir.filePath("train_log.jsonl").toStdString());
    int lines = 0;
    for (std::string line; std::getline(log, line);) {
      const auto entry = nlohmann::json::parse(line);
      ++lines;
      QCOMPARE(entry["iteration"].get<int>(), lines);
      QCOMPARE(entry["loss"].get<double>(), losses[static_cast<size_t>(lines - 1)]);
    }
    QCOMPARE(lines, 60);
    QCOMPARE(train::read_checkpoint_info(dir.path().toStdString(), "teacher")["iteration"].get<int>(), 60);
  }

  void cancel_writes_a_checkpoint_first() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    options.iterations = 50;
    test::MovingSquaresSource source(options.model.clip, 1);
    train::TeacherTrainer trainer(options, source, false);
    CancelToken cancel;
    bool cancelled = false;
    try {
      trainer.run([&](const train::TrainProgress& p) { if (p.iteration == 3) cancel.request(); }, &cancel);
    } catch (const Error& e) {
      cancelled = e.kind() == ErrorKind::Cancelled;
    }
    QVERIFY(cancelled);
    QVERIFY(cancel.heard());
    QCOMPARE(trainer.iteration(), int64_t{3});
    QCOMPARE(train::read_checkpoint_info(dir.path().toStdString(), "teacher")["iteration"].get<int>(), 3);
  }

  // --minutes: the run stops when its time is up, checkpoints where it stopped and exports the model.
  void time_limit_stops_with_a_checkpoint_and_an_export() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    options.iterations = 100000;
    options.max_minutes = 0.02;  // 1.2 s
    options.export_at_end = true;
    test::MovingSquaresSource source(options.model.clip, 1);
    train::TeacherTrainer trainer(options, source, false);
    const auto start = std::chrono::steady_clock::now();
    trainer.run({}, nullptr);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QVERIFY2(trainer.iteration() > 0 && trainer.iteration() < 100000, qPrintable(QString::number(trainer.iteration())));
    QVERIFY2(seconds < 30.0, qPrintable(QString::number(seconds)));
    QCOMPARE(train::read_checkpoint_info(dir.path().toStdString(), "teacher")["iteration"].get<int64_t>(),
             trainer.iteration());
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("model/model_index.json"))).isFile());
    options.max_minutes = -1.0;
    QVERIFY(test::throws_error([&] { options.validate(); }, ErrorKind::InvalidArgument));
  }

  // Object weighting trains on the world (which has masks) and is refused, before anything is
  // written, on a source without them; out-of-range weights are refused too.
  void object_loss_weight_needs_a_source_with_object_masks() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.filePath(QStringLiteral("squares")).toStdString());
    options.object_loss_weight = 4.0;
    test::MovingSquaresSource squares(options.model.clip, 1);
    QVERIFY(test::throws_error([&] { train::TeacherTrainer(options, squares, false); }, ErrorKind::InvalidArgument));
    QVERIFY(test::throws_error([&] { squares.batch(0, 1, train::BatchContents::ClipsAndObjectMasks); },
                               ErrorKind::InvalidArgument));
    QVERIFY(!std::filesystem::exists(options.out_dir));

    options.out_dir = dir.filePath(QStringLiteral("world")).toStdString();
    options.iterations = 3;
    options.batch = 2;
    options.model.text_len = 128;  // the world's prompts are longer than the squares'
    options.export_at_end = true;
    const auto& clip = options.model.clip;
    train::WorldClipSource world({clip.frames, clip.height, clip.width}, 3);
    train::TeacherTrainer trainer(options, world, false);
    double last = 0.0;
    trainer.run([&](const train::TrainProgress& p) { last = p.loss; });
    QVERIFY(std::isfinite(last) && last > 0.0);
    QCOMPARE(train::read_checkpoint_info(options.out_dir, "teacher")["run"]["object_loss_weight"].get<double>(), 4.0);
    std::ifstream index(std::filesystem::path(options.out_dir) / "model" / "model_index.json");
    QVERIFY2(index.is_open(), options.out_dir.string().c_str());
    QCOMPARE(nlohmann::json::parse(index)["blade"]["object_loss_weight"].get<double>(), 4.0);
    QVERIFY(!world.batch(100, 2).object_masks.defined());
    auto masked = world.batch(100, 2, train::BatchContents::ClipsAndObjectMasks);
    QVERIFY(trainer.evaluate_loss(masked, 1, false) > 0.0);
    masked.object_masks = torch::Tensor();
    QVERIFY(test::throws_error([&] { trainer.evaluate_loss(masked, 1, false); }, ErrorKind::InvalidArgument));

    for (double bad : {0.5, std::nan(""), 2000.0}) {
      options.object_loss_weight = bad;
      QVERIFY(test::throws_error([&] { options.validate(); }, ErrorKind::InvalidArgument));
    }
  }

  // The motion loss weight adds W times one temporal term: from the same weights and batch, the loss
  // grows linearly in W; the weight is kept in the checkpoint and the export, and checked.
  void motion_loss_weight_adds_the_temporal_term() {
    QTemporaryDir dir;
    test::MovingSquaresSource source(test::tiny_model_config().clip, 2);
    const auto batch = source.batch(0, 2);
    std::vector<double> losses;
    for (const double weight : {0.0, 2.0, 4.0}) {
      auto options = test::tiny_teacher_options(dir.filePath(QString("w%1").arg(weight)).toStdString());
      options.motion_loss_weight = weight;
      options.iterations = 1;
      options.export_at_end = true;
      train::TeacherTrainer trainer(options, source, false);
      losses.push_back(trainer.evaluate_loss(batch, 5, false));
      trainer.run();
      QCOMPARE(train::read_checkpoint_info(options.out_dir, "teacher")["run"]["motion_loss_weight"].get<double>(),
               weight);
      std::ifstream index(std::filesystem::path(options.out_dir) / "model" / "model_index.json");
      QCOMPARE(nlohmann::json::parse(index)["blade"].value("motion_loss_weight", 0.0), weight);
    }
    const double term = (losses[1] - losses[0]) / 2.0;
    QVERIFY2(term > 0.0, std::to_string(term).c_str());
    QVERIFY2(std::abs((losses[2] - losses[0]) / 4.0 - term) < 1e-4 * term, std::to_string(losses[2]).c_str());
    auto options = test::tiny_teacher_options(dir.filePath("bad").toStdString());
    for (double bad : {-1.0, std::nan(""), 2000.0}) {
      options.motion_loss_weight = bad;
      QVERIFY(test::throws_error([&] { options.validate(); }, ErrorKind::InvalidArgument));
    }
  }

  // The frame count and aspect must be the model's; height and width any positive number of whole
  // patches (4).
  void mismatched_source_is_refused() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    for (const train::ClipShape shape :
         {train::ClipShape{4, 16, 16}, {6, 16, 16}, {5, 18, 16}, {5, 16, 2}, {5, 0, 16}, {5, 8, 16}}) {
      test::MovingSquaresSource source(shape, 1);
      test::expect_error(ErrorKind::InvalidArgument, {"expects 5 frames", "multiples of its patch 4x4 in the aspect"},
                         [&] { train::TeacherTrainer(options, source, false); });
    }
    QVERIFY(!std::filesystem::exists(options.out_dir / "checkpoint.json"));
  }

  // A run may start on clips smaller than the model's default (cheaper iterations) and go on at
  // the full size after a resume: the small clips train (the loss on a fixed small batch falls),
  // the checkpoint records the size its part used, and the exported model keeps its default clip.
  void smaller_clips_first_then_the_full_size() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    options.iterations = 40;
    options.batch = 4;
    test::MovingSquaresSource small({5, 8, 8}, 1);
    const auto fixed = small.batch(1'000'000, 8);
    {
      train::TeacherTrainer trainer(options, small, false);
      const double before = trainer.evaluate_loss(fixed, 5, false);
      trainer.run();
      const double after = trainer.evaluate_loss(fixed, 5, false);
      qInfo("8x8 clips: fixed-batch loss %.4f -> %.4f", before, after);
      QVERIFY(after < 0.7 * before);
    }
    const auto small_info = train::read_checkpoint_info(options.out_dir, "teacher");
    QCOMPARE(small_info["clip_shape"].dump(), std::string("[5,8,8]"));

    options.iterations = 44;
    options.export_at_end = true;
    test::MovingSquaresSource full(options.model.clip, 1);
    train::TeacherTrainer resumed(options, full, true);
    QCOMPARE(resumed.iteration(), int64_t{40});
    resumed.run();
    QCOMPARE(resumed.iteration(), int64_t{44});
    QCOMPARE(train::read_checkpoint_info(options.out_dir, "teacher")["clip_shape"].dump(), std::string("[5,16,16]"));
    const auto exported = train::load_pixel_model(options.out_dir / "model");
    QCOMPARE(exported.config.clip.height, int64_t{16});
    QCOMPARE(exported.config.clip.width, int64_t{16});
  }

  // The run names the context length its prompts need and leaves nothing behind; that length
  // trains, one less is refused, and it is the longest prompt under the run's tokenizer.
  void a_context_shorter_than_the_prompts_is_refused() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.filePath(QStringLiteral("run")).toStdString());
    options.model.text_len = 4;
    test::MovingSquaresSource source(options.model.clip, 1);
    const std::string message =
        test::error_message([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::InvalidArgument);
    QVERIFY2(message.find("text_len 4 is shorter") != std::string::npos, message.c_str());
    QVERIFY(!std::filesystem::exists(options.out_dir));
    const auto at = message.find("--text-len ");
    QVERIFY2(at != std::string::npos, message.c_str());
    const int64_t needed = std::stoll(message.substr(at + 11));
    QVERIFY(needed > 4);

    options.model.text_len = needed - 1;
    QVERIFY(test::throws_error([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::InvalidArgument));
    options.model.text_len = needed;
    train::TeacherTrainer fits(options, source, false);
    QCOMPARE(fits.iteration(), int64_t{0});
    const auto tokenizer = models::PromptTokenizer::load(options.out_dir / "tokenizer" / "spiece.model");
    int64_t longest = 0;
    for (const auto& prompt : source.prompts(0, options.tokenizer_corpus)) {
      longest = std::max<int64_t>(longest, static_cast<int64_t>(tokenizer.encode(prompt, 1 << 20).size()));
    }
    QCOMPARE(longest, needed);

    // Into a folder that already holds a tokenizer/ of something else, only the run's own file goes.
    QTemporaryDir other_dir;
    const std::filesystem::path keep = std::filesystem::path(other_dir.path().toStdString()) / "tokenizer" / "notes.txt";
    std::filesystem::create_directories(keep.parent_path());
    std::ofstream(keep) << "kept";
    options.out_dir = other_dir.path().toStdString();
    options.model.text_len = 4;
    QVERIFY(test::throws_error([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::InvalidArgument));
    QVERIFY(std::filesystem::exists(keep));
    QVERIFY(!std::filesystem::exists(keep.parent_path() / "spiece.model"));
  }
};

QTEST_GUILESS_MAIN(TestTrainTeacher)
#include "test_train_teacher.moc"
