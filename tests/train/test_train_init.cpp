// A teacher run initialised from an exported model folder (TeacherTrainOptions::init_from, blade
// train --init): it starts with exactly the folder's weights and tokenizer, at iteration 0, trains
// on, records where it came from, and refuses a folder of another config, a missing folder and a
// combination with resuming.

#include "moving_squares_source.h"
#include "throws.h"
#include "tiny_config.h"
#include "train/checkpoint.h"
#include "train/pixel_model_folder.h"
#include "train/teacher_trainer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

using namespace blade;
namespace fs = std::filesystem;

namespace {

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

class TestTrainInit : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  fs::path source_run_;  // 3 iterations, EMA exported in f32 to source_run_/model
  train::NamedTensors source_ema_;
  double source_ema_loss_ = 0.0;
  int64_t source_vocab_ = 0;

  fs::path model() const { return source_run_ / "model"; }
  train::TeacherTrainOptions init_options(const std::string& name) const {
    auto options = test::tiny_teacher_options(fs::path(dir_.path().toStdString()) / name);
    options.init_from = model();
    options.seed = 11;              // another seed: the weights must still be the folder's
    options.tokenizer_vocab = 99;   // ignored: the folder's tokenizer is used
    return options;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    source_run_ = fs::path(dir_.path().toStdString()) / "source";
    auto options = test::tiny_teacher_options(source_run_);
    options.iterations = 3;
    options.export_at_end = true;
    options.export_storage = train::WeightStorage::F32;  // the folder holds the EMA weights exactly
    test::MovingSquaresSource source(options.model.clip, 2);
    train::TeacherTrainer trainer(options, source, false);
    trainer.run();
    source_ema_ = trainer.ema().averages();
    source_vocab_ = trainer.options().model.text.vocab_size;
    source_ema_loss_ = trainer.evaluate_loss(source.batch(1'000'000, 4), 5, true);
  }

  void starts_from_the_folder_weights_and_trains() {
    auto options = init_options("from_model");
    options.iterations = 3;
    options.export_at_end = true;
    test::MovingSquaresSource source(options.model.clip, 2);
    train::TeacherTrainer trainer(options, source, false);
    QCOMPARE(trainer.iteration(), int64_t{0});
    QCOMPARE(trainer.data_cursor(), uint64_t{0});
    QCOMPARE(trainer.options().model.text.vocab_size, source_vocab_);
    QCOMPARE(trainer.options().tokenizer_vocab, source_vocab_);
    QCOMPARE(file_bytes(options.out_dir / "tokenizer" / "spiece.model"),
             file_bytes(model() / "tokenizer" / "spiece.model"));

    // Exactly the exported (EMA) weights, under the same names, live and averaged.
    const auto parameters = trainer.parameters();
    QCOMPARE(parameters.size(), source_ema_.size());
    for (size_t i = 0; i < parameters.size(); ++i) {
      QCOMPARE(parameters[i].first, source_ema_[i].first);
      QVERIFY2(torch::equal(parameters[i].second, source_ema_[i].second), parameters[i].first.c_str());
      QVERIFY2(torch::equal(trainer.ema().averages()[i].second, source_ema_[i].second), parameters[i].first.c_str());
    }
    // The same model function (weights and tokenizer) as the source run's EMA model.
    const double loss = trainer.evaluate_loss(source.batch(1'000'000, 4), 5, false);
    QVERIFY2(std::abs(loss - source_ema_loss_) <= 1e-6 * source_ema_loss_,
             qPrintable(QString("%1 vs %2").arg(loss, 0, 'g', 17).arg(source_ema_loss_, 0, 'g', 17)));

    // It trains on from there, and the export says where it started.
    trainer.run();
    QCOMPARE(trainer.iteration(), int64_t{3});
    double moved = 0.0;
    for (size_t i = 0; i < parameters.size(); ++i) {
      QVERIFY(torch::isfinite(parameters[i].second).all().item<bool>());
      moved = std::max(moved, (parameters[i].second - source_ema_[i].second).abs().max().item<double>());
    }
    QVERIFY2(moved > 0.0, "training did not change the weights");
    const auto blade = read_json(options.out_dir / "model" / "model_index.json")["blade"];
    QCOMPARE(blade["iterations"].get<int64_t>(), int64_t{3});
    QCOMPARE(blade["init_from"]["path"].get<std::string>(), fs::weakly_canonical(model()).string());
    QCOMPARE(blade["init_from"]["role"].get<std::string>(), std::string("teacher"));
    QCOMPARE(blade["init_from"]["iterations"].get<int64_t>(), int64_t{3});
    QCOMPARE(train::read_checkpoint_info(options.out_dir, "teacher")["run"]["init_from"].get<std::string>(),
             fs::weakly_canonical(model()).string());

    // A resumed part of that run (without the init folder) keeps the record.
    auto more = test::tiny_teacher_options(options.out_dir);
    more.iterations = 4;
    train::TeacherTrainer resumed(more, source, true);
    QCOMPARE(resumed.iteration(), int64_t{3});
    QCOMPARE(resumed.init_record()["path"].get<std::string>(), fs::weakly_canonical(model()).string());
  }

  void a_folder_of_another_config_is_refused() {
    auto options = init_options("other_config");
    options.model.dit.num_layers = 3;
    options.model.text_len = 40;
    test::MovingSquaresSource source(options.model.clip, 2);
    const std::string message =
        test::error_message([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::InvalidArgument);
    QVERIFY2(message.find(model().string()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("dit.num_layers expected 3, got 2") != std::string::npos, message.c_str());
    QVERIFY2(message.find("text_len expected 40, got 32") != std::string::npos, message.c_str());
    QVERIFY2(message.find("dit.dim") == std::string::npos, message.c_str());  // only what differs
    QVERIFY(!fs::exists(options.out_dir));  // refused before anything was written

    auto clip = init_options("other_clip");
    clip.model.clip = {5, 32, 32};
    test::MovingSquaresSource larger(clip.model.clip, 2);
    const std::string clip_message =
        test::error_message([&] { train::TeacherTrainer(clip, larger, false); }, ErrorKind::InvalidArgument);
    QVERIFY2(clip_message.find("clip.height expected 32, got 16") != std::string::npos, clip_message.c_str());
    QVERIFY2(clip_message.find("clip.width expected 32, got 16") != std::string::npos, clip_message.c_str());
    QVERIFY2(clip_message.find("clip.frames") == std::string::npos, clip_message.c_str());
  }

  // The flow shift is a training and sampling setting, not the model's shape: a run initialised from
  // a folder may train at other noise levels, and its export says which.
  void another_flow_shift_goes_on_from_the_folder() {
    auto options = init_options("other_shift");
    options.model.flow_shift = 8.0;
    options.iterations = 1;
    options.export_at_end = true;
    test::MovingSquaresSource source(options.model.clip, 2);
    train::TeacherTrainer trainer(options, source, false);
    trainer.run();
    QCOMPARE(train::read_checkpoint_info(options.out_dir, "teacher")["run"]["model"]["flow_shift"].get<double>(), 8.0);
    QCOMPARE(train::load_pixel_model(options.out_dir / "model").config.flow_shift, 8.0);
  }

  void a_missing_or_foreign_folder_is_refused() {
    auto options = init_options("missing");
    options.init_from = fs::path(dir_.path().toStdString()) / "no_such_model";
    test::MovingSquaresSource source(options.model.clip, 2);
    const std::string message =
        test::error_message([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::Io);
    QVERIFY2(message.find("no_such_model") != std::string::npos && message.find("no such folder") != std::string::npos,
             message.c_str());
    QVERIFY(!fs::exists(options.out_dir));

    options.init_from = source_run_ / "tokenizer";  // a folder, but no model folder
    QVERIFY(test::throws_error([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::BadWeights));
  }

  void init_and_resume_do_not_mix() {
    // The source run's folder holds a checkpoint: neither resuming it with an init folder nor
    // starting an initialised run over it is allowed.
    auto options = init_options("unused");
    options.out_dir = source_run_;
    test::MovingSquaresSource source(options.model.clip, 2);
    const std::string resuming =
        test::error_message([&] { train::TeacherTrainer(options, source, true); }, ErrorKind::InvalidArgument);
    QVERIFY2(resuming.find("starts a new run") != std::string::npos, resuming.c_str());
    const std::string over =
        test::error_message([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::InvalidArgument);
    QVERIFY2(over.find("already holds a training run (checkpoint at iteration 3)") != std::string::npos, over.c_str());
    QCOMPARE(train::read_checkpoint_info(source_run_, "teacher")["iteration"].get<int64_t>(), int64_t{3});
  }

  void the_output_folder_must_not_overlap_the_init_folder() {
    // Starting the run in a folder that holds the init folder (the temporary root: no checkpoint of
    // its own), in the model folder itself, or inside it would write over the starting weights.
    const fs::path weights = model() / "transformer" / "diffusion_pytorch_model.safetensors";
    const std::string weights_before = file_bytes(weights);
    QVERIFY(!weights_before.empty());
    test::MovingSquaresSource source(init_options("unused").model.clip, 2);
    for (const fs::path& out : {fs::path(dir_.path().toStdString()), model(), model() / "run"}) {
      auto options = init_options("unused");
      options.out_dir = out;
      const std::string message =
          test::error_message([&] { train::TeacherTrainer(options, source, false); }, ErrorKind::InvalidArgument);
      QVERIFY2(message.find("give a separate output folder") != std::string::npos,
               (out.string() + ": " + message).c_str());
    }
    QVERIFY(!fs::exists(model() / "run"));
    QCOMPARE(file_bytes(weights), weights_before);
  }
};

QTEST_GUILESS_MAIN(TestTrainInit)
#include "test_train_init.moc"
