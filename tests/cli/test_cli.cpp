// The blade program as users run it: exit codes, messages, files written or not.

#include "core/clip.h"
#include "media/video_file.h"
#include "world/prompt_grammar.h"
#include "world/renderer.h"
#include "world/scene_sampler.h"
#include "test_tensors.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <csignal>

namespace {

struct Outcome {
  int exit_code = -1;
  QString out;
  QString err;
};

Outcome run_blade(const QStringList& args, int timeout_ms = 300000,
                  const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment()) {
  QProcess process;
  process.setProcessEnvironment(environment);
  process.start(BLADE_CLI_PATH, args);
  process.waitForFinished(timeout_ms);
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

QStringList generate_args(const QString& out, const QString& seed = "11") {
  return {"generate", "--model", QString::fromStdString(blade::test::fixture("wan-tiny").string()),
          "--prompt", "a blue square bounces", "--negative", "blurry", "--steps", "3", "--frames", "9",
          "--size", "32x32", "--seed", seed, "--out", out};
}

// Waits (up to 2 minutes) until the process logs `marker` on stderr, then sends it Ctrl-C.
bool interrupt_once_logged(QProcess& process, const QByteArray& marker) {
  QByteArray err;
  QElapsedTimer timer;
  timer.start();
  while (!err.contains(marker) && timer.elapsed() < 120000) {
    process.waitForReadyRead(200);
    err += process.readAllStandardError();
  }
  if (!err.contains(marker)) {
    qWarning("never logged '%s': %s", marker.constData(), err.constData());
    return false;
  }
  ::kill(static_cast<pid_t>(process.processId()), SIGINT);
  return true;
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private slots:
  void version_is_printed() {
    auto r = run_blade({"--version"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(r.out.startsWith("blade "));
  }

  void bad_parameters_exit_2_with_one_clear_line() {
    QTemporaryDir dir;
    const QString out = dir.filePath("x.mp4");
    struct Case {
      QStringList change;
      QString expected_words;
    };
    const QList<Case> cases = {
        {{"--frames", "10"}, "4n+1"},
        {{"--size", "30x32"}, "multiple of 16"},
        {{"--steps", "0"}, "steps"},
        {{"--device", "tpu"}, "tpu"},
        {{"--sampler", "ddim"}, "ddim"},
        {{"--steps", "many"}, "many"},
        {{"--bogus", "1"}, "--bogus"},
        {{"--sampler", "unipc", "--eta", "0.5"}, "--eta applies to --sampler tdm"},
        {{"--sampler", "tdm", "--shift", "3"}, "--shift does not apply to --sampler tdm"},
        {{"--sampler", "tdm", "--schedule", "wan"}, "--schedule does not apply to --sampler tdm"},
    };
    for (const auto& c : cases) {
      QStringList args = generate_args(out);
      args << c.change;
      auto r = run_blade(args);
      QVERIFY2(r.exit_code == 2, qPrintable(c.change.join(' ') + " -> " + QString::number(r.exit_code) + " " + r.err));
      QVERIFY2(r.err.contains(c.expected_words), qPrintable(r.err));
      QCOMPARE(r.err.trimmed().count('\n'), 0);
    }
    auto missing = run_blade({"generate", "--model", dir.filePath("no-such-model"), "--prompt", "x", "--out", out});
    QVERIFY(missing.exit_code != 0);
    QVERIFY(missing.err.contains("no-such-model"));
    QVERIFY(!QFile::exists(out));
  }

  // A training size that is not whole patches, or not a size, stops the run before it writes anything.
  void train_size_errors_exit_2_and_write_nothing() {
    QTemporaryDir dir;
    const QString out = dir.filePath("run");
    const QList<QPair<QString, QString>> cases = {{"30x32", "multiples of its patch 4x4"},
                                                  {"big", "--train-size expects WIDTHxHEIGHT"},
                                                  {"0x32", "--train-size expects WIDTHxHEIGHT"},
                                                  {"64x32", "aspect"}};
    for (const auto& [size, expected_words] : cases) {
      auto r = run_blade({"train", "--out", out, "--iterations", "1", "--train-size", size});
      QVERIFY2(r.exit_code == 2, qPrintable(size + " -> " + QString::number(r.exit_code) + " " + r.err));
      QVERIFY2(r.err.contains(expected_words), qPrintable(r.err));
      QCOMPARE(r.err.trimmed().count('\n'), 0);
      QVERIFY(!QFileInfo::exists(out));
    }
  }

  // (b's extension in capitals: generate and info take it as MP4 all the same.)
  void same_seed_gives_the_same_frames_and_settings_are_stored() {
    QTemporaryDir dir;
    const QString a = dir.filePath("a.mp4"), b = dir.filePath("b.MP4");
    auto ra = run_blade(generate_args(a) << "--json");
    QVERIFY2(ra.exit_code == 0, qPrintable(ra.err));
    QVERIFY(ra.out.contains("\"seconds\""));
    QCOMPARE(run_blade(generate_args(b)).exit_code, 0);
    auto clip_a = blade::media::read_mp4(a.toStdString());
    auto clip_b = blade::media::read_mp4(b.toStdString());
    QCOMPARE(clip_a.frame_count(), int64_t(9));
    QVERIFY(torch::equal(clip_a.frames, clip_b.frames));
    QCOMPARE(clip_a.metadata.at("blade.prompt"), std::string("a blue square bounces"));
    QCOMPARE(clip_a.metadata.at("blade.seed"), std::string("11"));

    for (const auto& clip : {a, b}) {
      auto info = run_blade({"info", clip, "--json"});
      QVERIFY2(info.exit_code == 0, qPrintable(info.err));
      QVERIFY(info.out.contains("a blue square bounces"));
    }
  }

  // Without --model, generate runs the bundled BLADE-mini as its model_index.json recommends
  // (17 frames at 64x64, ASA-GT, the TDM sampler, no guidance); explicit options still win.
  void generate_defaults_to_the_bundled_model_and_its_recommendations() {
    QTemporaryDir dir;
    const QString out = dir.filePath("mini.mp4");
    auto r = run_blade({"generate", "--prompt", "a small red circle drifts to the left over a blue sky", "--steps", "1",
                        "--seed", "5", "--out", out});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const auto clip = blade::media::read_mp4(out.toStdString());
    QCOMPARE(clip.frame_count(), int64_t(17));
    QCOMPARE(clip.width(), int64_t(64));
    QCOMPARE(clip.metadata.at("blade.model"), std::string("blade-mini"));
    QCOMPARE(clip.metadata.at("blade.steps"), std::string("1"));
    QCOMPARE(clip.metadata.at("blade.guidance"), std::string("1"));
    QCOMPARE(clip.metadata.at("blade.sampler"), std::string("tdm"));
    QVERIFY2(clip.metadata.at("blade.attention").rfind("asa-gt", 0) == 0, clip.metadata.at("blade.attention").c_str());
  }

  void info_describes_a_model_folder() {
    auto r = run_blade({"info", QString::fromStdString(blade::test::fixture("wan-tiny").string())});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("transformer"));
    QVERIFY(r.out.contains("vae"));
    QVERIFY(r.out.contains("parameters"));
  }

  // blade judge reads a clip of the world and its recorded prompt: a rendered scene scores 1 against
  // its own prompt and loses colour against a prompt of another colour.
  void judge_scores_a_clip_against_its_prompt() {
    QTemporaryDir dir;
    const auto scene = blade::world::sample_scene(41, blade::world::Split::HeldOut);
    const std::string prompt = blade::world::make_prompt(scene.attributes, 41);
    blade::Clip clip;
    clip.frames = blade::video_to_uint8_frames(
        blade::world::render_scene(scene, {17, 64, 64}).unsqueeze(0));
    clip.metadata["blade.prompt"] = prompt;
    const QString path = dir.filePath("world.y4m");
    blade::media::write_y4m(path.toStdString(), clip);

    auto own = run_blade({"judge", path, "--json"});
    QVERIFY2(own.exit_code == 0, qPrintable(own.err));
    const auto report = QJsonDocument::fromJson(own.out.toUtf8()).object();
    QCOMPARE(report["prompt"].toString().toStdString(), prompt);
    QVERIFY(report["scores"].toObject()["overall"].toDouble() >= 0.99);
    QCOMPARE(static_cast<size_t>(report["objects"].toArray().size()), scene.attributes.objects.size());

    auto other = scene.attributes;
    other.objects[0].colour = blade::world::kColours[(blade::world::index_of(other.objects[0].colour) + 3) % 8];
    auto recoloured = run_blade({"judge", path, "--json", "--prompt",
                                 QString::fromStdString(blade::world::make_prompt(other, 41))});
    QVERIFY2(recoloured.exit_code == 0, qPrintable(recoloured.err));
    const auto scores = QJsonDocument::fromJson(recoloured.out.toUtf8()).object()["scores"].toObject();
    QVERIFY(scores["colour"].toDouble() < 1.0);
    QVERIFY(scores["shape"].toDouble() >= 0.99);

    auto table = run_blade({"judge", path});
    QCOMPARE(table.exit_code, 0);
    QVERIFY(table.out.contains("quality 1.000"));
    QVERIFY(run_blade({"info", path}).out.contains(QString::fromStdString(prompt)));

    QFile::remove(dir.filePath("world.y4m.json"));
    auto unknown = run_blade({"judge", path});
    QCOMPARE(unknown.exit_code, 2);
    QVERIFY2(unknown.err.contains("records no prompt") && unknown.err.count('\n') == 1, qPrintable(unknown.err));
    auto not_world = run_blade({"judge", path, "--prompt", "a cat playing the piano"});
    QCOMPARE(not_world.exit_code, 2);
    QVERIFY2(not_world.err.count('\n') == 1, qPrintable(not_world.err));
  }

  // blade text-separation on the bundled teacher: one relative change per attribute, all positive
  // (each change rewrites the prompt); bad options and a folder that is not a model are one line.
  // The training options of the text side fail before anything is written, with one clear line.
  void train_text_options_are_checked() {
    QTemporaryDir dir;
    const QString run = dir.filePath("run");
    auto negative = run_blade({"train", "--out", run, "--text-pretrain", "-1", "--iterations", "1"});
    QCOMPARE(negative.exit_code, 2);
    QVERIFY2(negative.err.contains("text pretraining") && negative.err.count('\n') == 1, qPrintable(negative.err));
    auto with_init = run_blade({"train", "--out", run, "--text-pretrain", "5", "--init", dir.filePath("teacher")});
    QCOMPARE(with_init.exit_code, 2);
    QVERIFY2(with_init.err.contains("random weights") && with_init.err.count('\n') == 1, qPrintable(with_init.err));
    auto motion = run_blade({"train", "--out", run, "--motion-loss-weight", "-2"});
    QCOMPARE(motion.exit_code, 2);
    QVERIFY2(motion.err.contains("motion loss weight") && motion.err.count('\n') == 1, qPrintable(motion.err));
    QVERIFY(!QFileInfo::exists(run));
  }

  // The flow shift reaches the exported sampler and the run's record; a resumed run keeps it, and
  // one that is not positive stops before anything is written.
  void train_flow_shift_is_kept_by_the_run() {
    QTemporaryDir dir;
    const QString run = dir.filePath("run");
    auto zero = run_blade({"train", "--out", run, "--iterations", "0", "--flow-shift", "0"});
    QCOMPARE(zero.exit_code, 2);
    QVERIFY2(zero.err.contains("flow_shift must be positive") && zero.err.count('\n') == 1, qPrintable(zero.err));
    QVERIFY(!QFileInfo::exists(run));

    auto trained = run_blade({"train", "--out", run, "--iterations", "0", "--flow-shift", "7.5"});
    QVERIFY2(trained.exit_code == 0, qPrintable(trained.err));
    const auto read_json = [](const QString& path) {
      QFile file(path);
      if (!file.open(QIODevice::ReadOnly)) return QJsonObject();
      return QJsonDocument::fromJson(file.readAll()).object();
    };
    QCOMPARE(read_json(run + "/model/scheduler/scheduler_config.json")["flow_shift"].toDouble(), 7.5);
    QCOMPARE(read_json(run + "/model/model_index.json")["blade"].toObject()["recommended"].toObject()["shift"].toDouble(),
             7.5);
    auto other = run_blade({"train", "--out", run, "--iterations", "1", "--resume", "--flow-shift", "3"});
    QCOMPARE(other.exit_code, 2);
    QVERIFY2(other.err.contains("--flow-shift 3 differs") && other.err.count('\n') == 1, qPrintable(other.err));

    // Initialised from that model, a run keeps its shift unless --flow-shift names another.
    const QString kept = dir.filePath("kept"), changed = dir.filePath("changed");
    auto from_model = run_blade({"train", "--out", kept, "--iterations", "0", "--init", run + "/model"});
    QVERIFY2(from_model.exit_code == 0, qPrintable(from_model.err));
    QCOMPARE(read_json(kept + "/model/scheduler/scheduler_config.json")["flow_shift"].toDouble(), 7.5);
    auto with_shift = run_blade({"train", "--out", changed, "--iterations", "0", "--init", run + "/model", "--flow-shift", "4"});
    QVERIFY2(with_shift.exit_code == 0, qPrintable(with_shift.err));
    QCOMPARE(read_json(changed + "/model/scheduler/scheduler_config.json")["flow_shift"].toDouble(), 4.0);
  }

  // blade noise-levels on the bundled teacher: one JSON row per noise level and context; at sigma 0
  // the judge sees the world's own clips. A noise level outside [0, 1] is one clear line.
  void noise_levels_rows_and_bad_levels() {
    auto r = run_blade({"noise-levels", "--prompts", "2", "--sigmas", "0,0.9", "--json", "--quiet"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const auto lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    const QStringList contexts = {"prompt", "empty", "prompt", "empty"};
    for (int i = 0; i < lines.size(); ++i) {
      const auto row = QJsonDocument::fromJson(lines[i].toUtf8()).object();
      QCOMPARE(row["sigma"].toDouble(), i < 2 ? 0.0 : 0.9);
      QCOMPARE(row["context"].toString(), contexts[i]);
      QCOMPARE(row["clips"].toInt(), 2);
      if (i < 2) QVERIFY2(row["quality"].toDouble() > 0.9, qPrintable(lines[i]));
    }
    auto bad = run_blade({"noise-levels", "--sigmas", "0.5,2"});
    QCOMPARE(bad.exit_code, 2);
    QVERIFY2(bad.err.contains("[0, 1], got 2") && bad.err.count('\n') == 1, qPrintable(bad.err));
  }

  void text_separation_reports_every_attribute() {
    auto r = run_blade({"text-separation", "--scenes", "8", "--json"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const auto report = QJsonDocument::fromJson(r.out.toUtf8()).object();
    for (const QString measure : {"row_change", "mean_change"}) {
      const auto changes = report[measure].toObject();
      QCOMPARE(changes.keys(), (QStringList{"background", "colour", "motion", "shape", "size", "speed", "tone"}));
      for (const auto& key : changes.keys()) QVERIFY2(changes[key].toDouble() > 0.0, qPrintable(measure + " " + key));
    }
    for (const auto& share : report["length_changed"].toObject()) {
      QVERIFY(share.toDouble() >= 0.0 && share.toDouble() <= 1.0);
    }

    auto zero = run_blade({"text-separation", "--scenes", "0"});
    QCOMPARE(zero.exit_code, 2);
    QVERIFY2(zero.err.contains("--scenes") && zero.err.count('\n') == 1, qPrintable(zero.err));
    QTemporaryDir empty;
    auto not_model = run_blade({"text-separation", "--model", empty.path()});
    QCOMPARE(not_model.exit_code, 1);
    QVERIFY2(not_model.err.contains(empty.path()) && not_model.err.count('\n') == 1, qPrintable(not_model.err));
  }

  void eval_bad_options_exit_2_with_one_clear_line() {
    struct Case {
      QStringList args;
      QString expected_words;
    };
    const QList<Case> cases = {
        {{"eval", "--teacher", "/nonexistent/teacher"}, "/nonexistent/teacher"},
        {{"eval", "--quick", "--prompts", "0"}, "--prompts"},
        {{"eval", "--seeds", "0"}, "--seeds"},
        {{"eval", "--prompts", "few"}, "few"},
        {{"eval", "--device", "tpu"}, "tpu"},
        {{"eval", "--bogus"}, "--bogus"},
        {{"eval", "extra"}, "extra"},
        {{"eval", "--quick", "--rows", "student-8-asa-gt,teacher"}, "unknown row 'teacher'"},
        {{"eval", "--quick", "--rows", "student-8-asa-gt,"}, "--rows expects a comma-separated list of row names"},
        {{"bench", "attention", "--device", "cpu", "--sparsity", "0.5,x"}, "0.5,x"},
        {{"bench", "pipeline", "--device", "cpu", "--random-weights", "wan-tiny", "--frames", "9,,17"}, "9,,17"},
    };
    for (const auto& c : cases) {
      auto r = run_blade(c.args);
      QVERIFY2(r.exit_code == 2, qPrintable(c.args.join(' ') + " -> " + QString::number(r.exit_code) + " " + r.err));
      QVERIFY2(r.err.contains(c.expected_words), qPrintable(r.err));
      QCOMPARE(r.err.trimmed().count('\n'), 0);
      QVERIFY(r.out.isEmpty());
    }
  }

  void eval_names_a_model_folder_that_does_not_load() {
    QTemporaryDir dir;
    auto r = run_blade({"eval", "--quick", "--quiet", "--teacher", dir.path()});
    QVERIFY2(r.exit_code == 1, qPrintable(QString::number(r.exit_code) + " " + r.err));
    QVERIFY2(r.err.contains(dir.path()) && r.err.contains("teacher"), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    QVERIFY(r.out.isEmpty());
  }

  // The tiny Wan fixture in every slot: each row once, as a table and as JSON lines.
  void eval_prints_every_row() {
    const QString model = QString::fromStdString(blade::test::fixture("wan-tiny").string());
    const QStringList args{"eval", "--prompts", "1", "--seeds", "1", "--teacher", model, "--student8", model,
                           "--student4", model};
    // Tiny tensors: one thread, or OpenMP spin-waits make this ten times slower on a busy machine.
    auto single_thread = QProcessEnvironment::systemEnvironment();
    single_thread.insert("OMP_NUM_THREADS", "1");
    auto table = run_blade(args, 300000, single_thread);
    QVERIFY2(table.exit_code == 0, qPrintable(table.err));
    for (const char* row : {"teacher-50-dense", "teacher-8-dense", "teacher-50-asa", "student-8-dense",
                            "student-8-asa-gt", "student-4-asa-gt"}) {
      QVERIFY2(table.out.contains(row), qPrintable(table.out));
    }
    QVERIFY(table.out.contains("inf"));  // the reference against itself
    QVERIFY(table.out.contains("1 held-out prompt x 1 seed"));

    auto json = run_blade(QStringList(args) << "--json" << "--quiet", 300000, single_thread);
    QVERIFY2(json.exit_code == 0, qPrintable(json.err));
    const auto lines = json.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 6);
    QJsonParseError error;
    const auto first = QJsonDocument::fromJson(lines[0].toUtf8(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(lines[0]));
    QCOMPARE(first["row"].toString(), QString("teacher-50-dense"));
    QCOMPARE(first["psnr_db"].toString(), QString("inf"));
    QCOMPARE(first["sparsity"].toDouble(), 0.0);
    QCOMPARE(QJsonDocument::fromJson(lines[5].toUtf8()).object()["row"].toString(), QString("student-4-asa-gt"));
  }

  void eval_interrupt_exits_130() {
    const QString model = QString::fromStdString(blade::test::fixture("wan-tiny").string());
    QProcess process;
    process.start(BLADE_CLI_PATH, {"eval", "--teacher", model, "--student8", model, "--student4", model});
    QVERIFY(process.waitForStarted());
    QVERIFY(interrupt_once_logged(process, "evaluating"));
    QVERIFY(process.waitForFinished(120000));
    QCOMPARE(process.exitCode(), 130);
  }

  void interrupt_exits_130_and_writes_nothing() {
    QTemporaryDir dir;
    const QString out = dir.filePath("never.y4m");
    QFile existing(out + ".keep");
    QProcess process;
    QStringList args = generate_args(out);
    args << "--steps" << "400" << "--size" << "128x128" << "--frames" << "33";
    process.start(BLADE_CLI_PATH, args);
    QVERIFY(process.waitForStarted());
    // The settings line is logged just before denoising begins.
    QVERIFY(interrupt_once_logged(process, "seed 11"));
    QVERIFY(process.waitForFinished(120000));
    QCOMPARE(process.exitCode(), 130);
    QVERIFY(!QFile::exists(out));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 0);
  }
};

QTEST_MAIN(TestCli)
#include "test_cli.moc"
