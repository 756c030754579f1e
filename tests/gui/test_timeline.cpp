// The timeline: steps in the strip, the clip entry, the scrubber, keyboard stepping, looping.

#include "gui_test_util.h"
#include "ui/frame_player.h"
#include "ui/frame_view.h"
#include "ui/timeline_view.h"

#include <QListWidget>
#include <QSlider>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

namespace {

StepSnapshotPtr step_with_preview(int index, int total, int frames, QRandomGenerator& random) {
  auto step = std::make_shared<StepSnapshot>();
  step->index = index;
  step->total = total;
  step->sigma = 1.0 - static_cast<double>(index) / total;
  for (int f = 0; f < frames; ++f) step->preview.push_back(test::random_image(8, 8, random));
  return step;
}

}  // namespace

class TestTimeline : public QObject {
  Q_OBJECT

 private slots:
  void follows_new_steps_then_shows_the_clip() {
    QRandomGenerator random(1);
    TimelineView timeline;
    const auto first = step_with_preview(0, 2, 5, random);
    const auto second = step_with_preview(1, 2, 5, random);
    timeline.addStep(first);
    QCOMPARE(timeline.shownStep(), 0);
    timeline.addStep(second);
    QCOMPARE(timeline.shownStep(), 1);
    QCOMPARE(timeline.shownFrames(), second->preview);
    QCOMPARE(timeline.player()->fps(), 16.0 / 4);  // one preview frame per 4 clip frames

    QVector<QImage> clip;
    for (int f = 0; f < 17; ++f) clip.push_back(test::random_image(16, 16, random));
    timeline.setClip(clip, 16.0, QStringLiteral("clip"));
    QVERIFY(timeline.showingClip());
    QCOMPARE(timeline.strip()->count(), 3);
    QCOMPARE(timeline.player()->frameCount(), 17);
    QCOMPARE(timeline.player()->fps(), 16.0);

    timeline.strip()->setCurrentRow(0);  // picking a step from the strip
    QCOMPARE(timeline.shownStep(), 0);
    QCOMPARE(timeline.viewer()->image(), first->preview[timeline.player()->frame()]);
    timeline.strip()->setCurrentRow(2);
    QVERIFY(timeline.showingClip());
  }

  void scrubber_and_keys_move_the_frame() {
    QRandomGenerator random(2);
    TimelineView timeline;
    QVector<QImage> clip;
    for (int f = 0; f < 9; ++f) clip.push_back(test::random_image(16, 16, random));
    timeline.setClip(clip, 16.0, QStringLiteral("clip"));
    auto* scrubber = timeline.findChild<QSlider*>(QStringLiteral("scrubber"));
    scrubber->setValue(4);
    QCOMPARE(timeline.player()->frame(), 4);
    QCOMPARE(timeline.viewer()->image(), clip[4]);
    QTest::keyClick(&timeline, Qt::Key_Right);
    QCOMPARE(timeline.viewer()->image(), clip[5]);
    QCOMPARE(scrubber->value(), 5);
    QTest::keyClick(&timeline, Qt::Key_Left);
    QTest::keyClick(&timeline, Qt::Key_Left);
    QCOMPARE(timeline.player()->frame(), 3);
    QTest::keyClick(&timeline, Qt::Key_End);
    QCOMPARE(timeline.player()->frame(), 8);
    QTest::keyClick(&timeline, Qt::Key_Right);  // loops by default
    QCOMPARE(timeline.player()->frame(), 0);
    QTest::keyClick(&timeline, Qt::Key_Space);
    QVERIFY(timeline.player()->isPlaying());
    QTest::keyClick(&timeline, Qt::Key_Space);
    QVERIFY(!timeline.player()->isPlaying());
  }

  void player_stops_at_the_end_without_loop() {
    FramePlayer player;
    player.setFrameCount(3);
    player.setFps(100.0);
    player.setLoop(false);
    player.setFrame(1);
    player.stepBy(5);
    QCOMPARE(player.frame(), 2);
    player.play();
    QVERIFY(player.isPlaying());  // from the last frame it starts over
    QTRY_VERIFY_WITH_TIMEOUT(!player.isPlaying(), 5000);
    QCOMPARE(player.frame(), 2);
    player.setFrameCount(2);
    QCOMPARE(player.frame(), 0);
  }
};

QTEST_MAIN(TestTimeline)
#include "test_timeline.moc"
