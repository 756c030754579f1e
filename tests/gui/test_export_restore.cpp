// Clips written by the studio carry their settings; opening one gives them back. Writes are atomic.

#include "core/error.h"
#include "gui_test_util.h"
#include "media/clip_metadata.h"
#include "pipeline/pipeline.h"
#include "ui/clip_file.h"
#include "ui/frame_images.h"
#include "ui/generation_form.h"
#include "ui/main_window.h"
#include "ui/timeline_view.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

namespace {

Clip synthetic_clip(const pipeline::GenerationRequest& request, int frames, int width, int height) {
  QRandomGenerator random(17);
  QVector<QImage> images;
  for (int f = 0; f < frames; ++f) images.push_back(test::random_image(width, height, random));
  Clip clip;
  clip.frames = images_to_frames(images);
  clip.fps = 16.0;
  pipeline::LoadedModelInfo model;
  model.id = "wan-tiny";
  model.weights_hash = "fnv1a64:0123456789abcdef";
  clip.metadata = pipeline::clip_metadata(request, model);
  return clip;
}

QStringList leftovers(const QString& folder) {
  return QDir(folder).entryList({QStringLiteral("*partial*")}, QDir::Files);
}

}  // namespace

class TestExportRestore : public QObject {
  Q_OBJECT

 private slots:
  void exported_settings_come_back() {
    QTemporaryDir dir;
    auto request = test::small_request("asa-gt");
    request.seed = 9007199254740991ull;  // 2^53 - 1
    request.prompt = "ünïcode prompt: a café at night, 夜";
    const Clip clip = synthetic_clip(request, 9, 64, 48);
    const QString path = dir.filePath(QStringLiteral("clip.mp4"));
    export_clip(path, clip);
    QVERIFY(QFileInfo(path).size() > 0);
    QVERIFY(leftovers(dir.path()).isEmpty());

    const OpenedClip opened = open_clip(path);
    QVERIFY(opened.request);
    QCOMPARE(pipeline::to_json(*opened.request).dump(), pipeline::to_json(request).dump());
    QCOMPARE(opened.model_id, QStringLiteral("wan-tiny"));
    QCOMPARE(opened.frames.size(), 9);
    QCOMPARE(opened.frames.front().size(), QSize(64, 48));
    QCOMPARE(opened.clip.fps, 16.0);
    QCOMPARE(opened.clip.metadata.at(media::metadata_keys::kWeightsHash), std::string("fnv1a64:0123456789abcdef"));
  }

  void failed_exports_leave_nothing_and_keep_the_old_file() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("keep.mp4"));
    {
      QFile existing(path);
      QVERIFY(existing.open(QIODevice::WriteOnly));
      existing.write("old contents");
    }
    const Clip odd = synthetic_clip(test::small_request(), 5, 15, 16);  // odd width: H.264 refuses
    QVERIFY_THROWS_EXCEPTION(Error, export_clip(path, odd));
    QFile kept(path);
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("old contents"));
    QVERIFY(leftovers(dir.path()).isEmpty());
    QVERIFY_THROWS_EXCEPTION(Error, export_clip(dir.filePath(QStringLiteral("no/such/folder/x.mp4")),
                                                synthetic_clip(test::small_request(), 5, 16, 16)));
  }

  void metadata_without_settings_or_with_broken_ones() {
    QVERIFY(!request_from_metadata({{"title", "not ours"}}));
    QVERIFY_THROWS_EXCEPTION(Error, request_from_metadata({{media::metadata_keys::kRequest, "{not json"}}));
    const auto partial = request_from_metadata({{media::metadata_keys::kRequest, R"({"prompt": "x", "steps": 3})"}});
    QCOMPARE(partial->steps, 3);
    QCOMPARE(partial->frames, pipeline::GenerationRequest{}.frames);
  }

  void opening_a_clip_in_the_window_restores_the_form() {
    QTemporaryDir dir;
    auto request = test::small_request("asa");
    request.attention.asa.fixed_sparsity = 0.75;
    request.steps = 9;
    request.seed = 4242;
    request.sampler = sampling::SamplerKind::Euler;
    const QString path = dir.filePath(QStringLiteral("restore.mp4"));
    export_clip(path, synthetic_clip(request, 5, 64, 64));

    QSettings settings(dir.filePath(QStringLiteral("studio.ini")), QSettings::IniFormat);
    MainWindow window(&settings);
    window.form()->setRequest(test::small_request("dense"));
    QSignalSpy opened(&window, &MainWindow::clipOpened);
    window.openClip(path);
    QVERIFY(opened.wait(30000));
    QCOMPARE(opened.front().at(1).toBool(), true);
    QCOMPARE(pipeline::to_json(window.form()->request()).dump(), pipeline::to_json(request).dump());
    QVERIFY(window.timeline()->showingClip());
    QCOMPARE(window.timeline()->shownFrames().size(), 5);

    // And the opened clip can be exported again, settings included.
    QSignalSpy exported(&window, &MainWindow::exportFinished);
    const QString again = dir.filePath(QStringLiteral("again.mp4"));
    window.exportTo(again);
    QVERIFY(exported.wait(30000));
    QVERIFY2(exported.front().at(1).toBool(), qPrintable(exported.front().at(2).toString()));
    QCOMPARE(pipeline::to_json(*open_clip(again).request).dump(), pipeline::to_json(request).dump());
  }

  void export_without_a_clip_is_an_error_shown() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("studio.ini")), QSettings::IniFormat);
    MainWindow window(&settings);
    QSignalSpy exported(&window, &MainWindow::exportFinished);
    window.exportTo(dir.filePath(QStringLiteral("nothing.mp4")));
    QCOMPARE(exported.count(), 1);
    QCOMPARE(exported.front().at(1).toBool(), false);
    QVERIFY(!window.lastError().isEmpty());
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("nothing.mp4"))));
  }
};

QTEST_MAIN(TestExportRestore)
#include "test_export_restore.moc"
