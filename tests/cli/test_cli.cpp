// The blade program as users run it: exit codes, messages, files written or not.

#include "media/video_file.h"
#include "test_tensors.h"

#include <QtTest>

#include <csignal>

namespace {

struct Outcome {
  int exit_code = -1;
  QString out;
  QString err;
};

Outcome run_blade(const QStringList& args, int timeout_ms = 300000) {
  QProcess process;
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

  void same_seed_gives_the_same_frames_and_settings_are_stored() {
    QTemporaryDir dir;
    const QString a = dir.filePath("a.mp4"), b = dir.filePath("b.mp4");
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

    auto info = run_blade({"info", a, "--json"});
    QCOMPARE(info.exit_code, 0);
    QVERIFY(info.out.contains("a blue square bounces"));
  }

  void info_describes_a_model_folder() {
    auto r = run_blade({"info", QString::fromStdString(blade::test::fixture("wan-tiny").string())});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("transformer"));
    QVERIFY(r.out.contains("vae"));
    QVERIFY(r.out.contains("parameters"));
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
    // Wait until the generation has begun (the settings line is logged just before denoising).
    QByteArray err;
    QElapsedTimer timer;
    timer.start();
    while (!err.contains("seed 11") && timer.elapsed() < 120000) {
      process.waitForReadyRead(200);
      err += process.readAllStandardError();
    }
    QVERIFY2(err.contains("seed 11"), err.constData());
    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(120000));
    QCOMPARE(process.exitCode(), 130);
    QVERIFY(!QFile::exists(out));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 0);
  }
};

QTEST_MAIN(TestCli)
#include "test_cli.moc"
