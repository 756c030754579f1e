// The whole window on the tiny model: generate, watch, inspect, export, reopen, compare, errors,
// and settings kept across runs.

#include "gui_test_util.h"
#include "ui/clip_file.h"
#include "ui/compare_view.h"
#include "ui/engine_controller.h"
#include "ui/generation_form.h"
#include "ui/log_panel.h"
#include "ui/frame_view.h"
#include "ui/mask_inspector.h"
#include "ui/main_window.h"
#include "ui/model_picker.h"
#include "ui/prompt_editor.h"
#include "ui/timeline_view.h"

#include <nlohmann/json.hpp>

#include <QListWidget>
#include <QMessageBox>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

class TestStudioEndToEnd : public QObject {
  Q_OBJECT

 private slots:
  void generate_inspect_export_and_reopen() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("studio.ini")), QSettings::IniFormat);
    MainWindow window(&settings);
    window.show();
    QVERIFY(window.form()->modelPicker()->setFolder(test::tiny_model()));
    const auto request = test::small_request("asa");
    window.form()->setRequest(request);

    QSignalSpy finished(window.engine(), &EngineController::jobFinished);
    const quint64 id = window.generate();
    QVERIFY(id > 0);
    QVERIFY(finished.wait(120000));
    const auto output = window.lastOutput();
    QVERIFY(output);
    QCOMPARE(pipeline::to_json(output->job.request).dump(), pipeline::to_json(request).dump());

    // Timeline: two step previews plus the clip, which is shown.
    QCOMPARE(window.timeline()->stepCount(), 2);
    QCOMPARE(window.timeline()->strip()->count(), 3);
    QVERIFY(window.timeline()->showingClip());
    QCOMPARE(window.timeline()->shownFrames().size(), 17);
    QCOMPARE(window.timeline()->shownFrames().front().size(), QSize(64, 64));
    QVERIFY(window.statusText().contains(QStringLiteral("done")));
    // Inspector: both steps, with the layer's mask.
    QCOMPARE(window.inspector()->stepCount(), 2);
    QVERIFY(!window.inspector()->heatmapView()->image().isNull());
    // The log panel saw the engine's messages.
    QTRY_VERIFY(window.logPanel()->text().contains(QStringLiteral("wan-tiny")));
    QVERIFY(window.form()->promptEditor()->history().contains(QString::fromStdString(request.prompt)));

    QSignalSpy exported(&window, &MainWindow::exportFinished);
    const QString path = dir.filePath(QStringLiteral("fox.mp4"));
    window.exportTo(path);
    QVERIFY(exported.wait(60000));
    QVERIFY2(exported.front().at(1).toBool(), qPrintable(exported.front().at(2).toString()));
    const OpenedClip opened = open_clip(path);
    QCOMPARE(pipeline::to_json(*opened.request).dump(), pipeline::to_json(request).dump());
    QCOMPARE(opened.frames.size(), 17);

    QSettings other_settings(dir.filePath(QStringLiteral("other.ini")), QSettings::IniFormat);
    MainWindow other(&other_settings);
    // The other window starts on the bundled default model and knows the tiny one from its recent
    // folders: opening the clip must switch to the model that made it.
    other.form()->modelPicker()->setRecentFolders({test::tiny_model()});
    QVERIFY(other.form()->modelPicker()->summary()->id != QStringLiteral("wan-tiny"));
    other.form()->setRequest(test::small_request("dense"));
    QSignalSpy restored(&other, &MainWindow::clipOpened);
    other.openClip(path);
    QVERIFY(restored.wait(30000));
    QCOMPARE(pipeline::to_json(other.form()->request()).dump(), pipeline::to_json(request).dump());
    QCOMPARE(other.form()->modelPicker()->summary()->id, QStringLiteral("wan-tiny"));
  }

  void compare_runs_dense_and_blade_with_the_same_seed() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("studio.ini")), QSettings::IniFormat);
    MainWindow window(&settings);
    QVERIFY(window.form()->modelPicker()->setFolder(test::tiny_model()));
    window.form()->setRequest(test::small_request("asa"));
    QSignalSpy finished(window.engine(), &EngineController::jobFinished);
    QVERIFY(window.compare() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(window.compareView()->hasPair(), 120000);
    QCOMPARE(finished.count(), 2);
    const auto dense = finished.at(0).at(0).value<GenerationOutputPtr>();
    const auto blade = finished.at(1).at(0).value<GenerationOutputPtr>();
    QCOMPARE(dense->job.request.attention.backend, std::string("dense"));
    QCOMPARE(blade->job.request.attention.backend, std::string("asa"));
    QCOMPARE(dense->job.request.seed, blade->job.request.seed);
    QCOMPARE(dense->job.request.prompt, blade->job.request.prompt);
    const auto& stats = *window.compareView()->stats();
    QCOMPARE(stats.dense_steps, 2);
    QVERIFY(std::abs(*stats.blade_sparsity - 1.0 / 3.0) < 1e-9);
    QVERIFY(stats.denoising_speedup > 0.0);
    QVERIFY(stats.psnr_db.has_value());
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.compareView()));
  }

  void errors_are_shown_to_the_user() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("studio.ini")), QSettings::IniFormat);
    MainWindow window(&settings);
    window.show();
    QSignalSpy shown(&window, &MainWindow::errorShown);

    // A form that cannot run: no prompt.
    window.form()->promptEditor()->setPrompt(QString());
    QCOMPARE(window.generate(), quint64{0});
    QCOMPARE(shown.count(), 1);
    QVERIFY(window.lastError().contains(QStringLiteral("prompt")));

    // A job that fails in the engine: its reason reaches a message box.
    StudioJob job;
    job.model_folder = dir.filePath(QStringLiteral("vanished-model"));
    job.request = test::small_request();
    window.engine()->enqueue(job);
    QVERIFY(shown.wait(60000));
    QVERIFY2(window.lastError().contains(QStringLiteral("vanished-model")), qPrintable(window.lastError()));
    bool boxed = false;
    for (auto* box : window.findChildren<QMessageBox*>(QStringLiteral("errorBox"))) {
      boxed = boxed || (box->isVisible() && box->text().contains(QStringLiteral("vanished-model")));
    }
    QVERIFY(boxed);
  }

  void cancel_from_the_window() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("studio.ini")), QSettings::IniFormat);
    MainWindow window(&settings);
    QVERIFY(window.form()->modelPicker()->setFolder(test::tiny_model()));
    auto request = test::small_request("asa");
    request.steps = 40;
    request.frames = 33;
    request.width = request.height = 128;
    window.form()->setRequest(request);
    QSignalSpy cancelled(window.engine(), &EngineController::jobCancelled);
    QSignalSpy step(window.engine(), &EngineController::stepFinished);
    window.generate();
    QVERIFY(step.wait(60000));
    window.cancel();
    QVERIFY(window.statusText().contains(QStringLiteral("cancelling")));  // at once
    QVERIFY(cancelled.wait(60000));
    QVERIFY(window.statusText().contains(QStringLiteral("cancelled")));
    QVERIFY(window.timeline()->stepCount() < 40);
    QVERIFY(!window.timeline()->hasClip());
  }

  void settings_survive_a_restart() {
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("studio.ini"));
    auto request = test::small_request("asa-gt");
    request.prompt = "a paper boat on a river";
    {
      QSettings settings(ini, QSettings::IniFormat);
      MainWindow window(&settings);
      QVERIFY(window.form()->modelPicker()->setFolder(test::tiny_model()));
      window.form()->setRequest(request);
      window.form()->promptEditor()->remember(QStringLiteral("an earlier prompt"));
      window.close();
    }
    QSettings settings(ini, QSettings::IniFormat);
    MainWindow window(&settings);
    QCOMPARE(pipeline::to_json(window.form()->request()).dump(), pipeline::to_json(request).dump());
    QCOMPARE(window.form()->promptEditor()->history(), QStringList{QStringLiteral("an earlier prompt")});
    QCOMPARE(window.form()->modelPicker()->folder(), QDir::cleanPath(test::tiny_model()));
  }
};

QTEST_MAIN(TestStudioEndToEnd)
#include "test_studio_end_to_end.moc"
