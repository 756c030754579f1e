// The compare view: both sides follow one player, wipe and difference show the right pixels,
// the numbers come from the two runs.

#include "core/error.h"
#include "gui_test_util.h"
#include "ui/compare_canvas.h"
#include "ui/compare_view.h"
#include "ui/frame_player.h"
#include "ui/image_difference.h"
#include "ui/mask_rendering.h"

#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

class TestCompareView : public QObject {
  Q_OBJECT

 private slots:
  void both_sides_follow_one_player() {
    const auto dense = test::synthetic_output("dense", 9, 32, 16, 4.0, 1);
    const auto blade = test::synthetic_output("asa", 9, 32, 16, 1.0, 2);
    CompareView view;
    view.resize(800, 400);
    view.setPair(dense, blade);
    QVERIFY(view.hasPair());
    for (int frame : {0, 4, 8, 3}) {
      view.player()->setFrame(frame);
      QCOMPARE(view.canvas()->left(), dense->frames[frame]);
      QCOMPARE(view.canvas()->right(), blade->frames[frame]);
      QCOMPARE(view.scrubber()->value(), frame);
    }
    view.scrubber()->setValue(6);  // the scrubber drives the player, which drives both sides
    QCOMPARE(view.player()->frame(), 6);
    QCOMPARE(view.canvas()->right(), blade->frames[6]);
    QTest::keyClick(&view, Qt::Key_Right);
    QCOMPARE(view.canvas()->left(), dense->frames[7]);
    QCOMPARE(view.canvas()->right(), blade->frames[7]);
  }

  void playback_advances_both_sides_together() {
    const auto dense = test::synthetic_output("dense", 5, 16, 16, 2.0, 3);
    const auto blade = test::synthetic_output("asa", 5, 16, 16, 1.0, 4);
    CompareView view;
    view.setPair(dense, blade);
    int mismatches = 0, changes = 0;
    connect(view.player(), &FramePlayer::frameChanged, this, [&](int frame) {
      ++changes;
      if (view.canvas()->left() != dense->frames[frame] || view.canvas()->right() != blade->frames[frame]) ++mismatches;
    });
    view.player()->play();
    QTRY_VERIFY_WITH_TIMEOUT(changes >= 7, 10000);  // looped past the end at least once
    view.player()->pause();
    QCOMPARE(mismatches, 0);
  }

  void wipe_slider_and_canvas_agree() {
    CompareView view;
    view.setPair(test::synthetic_output("dense", 3, 16, 16, 1.0, 5), test::synthetic_output("asa", 3, 16, 16, 1.0, 6));
    auto* mode = view.findChild<QComboBox*>(QStringLiteral("compareMode"));
    mode->setCurrentIndex(mode->findData(static_cast<int>(CompareCanvas::Mode::Wipe)));
    QCOMPARE(view.canvas()->mode(), CompareCanvas::Mode::Wipe);
    auto* wipe = view.findChild<QSlider*>(QStringLiteral("wipe"));
    wipe->setValue(250);
    QCOMPARE(view.canvas()->wipe(), 0.25);
    view.canvas()->setWipe(0.8);
    QCOMPARE(wipe->value(), 800);
  }

  void wipe_draws_left_before_the_split_and_right_after() {
    QImage red(40, 20, QImage::Format_RGB888), blue(40, 20, QImage::Format_RGB888);
    red.fill(Qt::red);
    blue.fill(Qt::blue);
    CompareCanvas canvas;
    canvas.resize(400, 200);  // the frame fills it exactly
    canvas.setImages(red, blue);
    canvas.setMode(CompareCanvas::Mode::Wipe);
    canvas.setWipe(0.5);
    const QImage shot = canvas.grab().toImage();
    QCOMPARE(shot.pixelColor(100, 150), QColor(Qt::red));
    QCOMPARE(shot.pixelColor(300, 150), QColor(Qt::blue));
    canvas.setWipe(0.9);
    QCOMPARE(canvas.grab().toImage().pixelColor(300, 150), QColor(Qt::red));
  }

  void difference_is_the_scaled_absolute_difference() {
    QRandomGenerator random(7);
    const QImage a = test::random_image(24, 12, random);
    const QImage b = test::random_image(24, 12, random);
    const double gain = 3.0;
    cv::Mat expected(12, 24, CV_32F);
    for (int y = 0; y < 12; ++y) {
      for (int x = 0; x < 24; ++x) {
        const QColor ca = a.pixelColor(x, y), cb = b.pixelColor(x, y);
        expected.at<float>(y, x) = static_cast<float>(gain * (std::abs(ca.red() - cb.red()) + std::abs(ca.green() - cb.green()) +
                                                              std::abs(ca.blue() - cb.blue())) / 3.0 / 255.0);
      }
    }
    const QImage diff = difference_image(a, b, gain);
    const QImage reference = colorize(expected);
    int off = 0;
    for (int y = 0; y < 12; ++y) {
      for (int x = 0; x < 24; ++x) {
        // float rounding may move a value across a colormap entry: allow a one-step neighbour.
        const QColor d = diff.pixelColor(x, y), r = reference.pixelColor(x, y);
        if (std::abs(d.red() - r.red()) + std::abs(d.green() - r.green()) + std::abs(d.blue() - r.blue()) > 6) ++off;
      }
    }
    QCOMPARE(off, 0);
    QCOMPARE(difference_image(a, a, gain).pixelColor(3, 3), colormap_legend(2, 1).pixelColor(0, 0));
    QVERIFY_THROWS_EXCEPTION(Error, difference_image(a, a.scaled(10, 10)));
  }

  void stats_come_from_the_two_runs() {
    const auto dense = test::synthetic_output("dense", 4, 16, 16, 6.0, 8);
    auto blade = std::const_pointer_cast<GenerationOutput>(test::synthetic_output("asa", 4, 16, 16, 1.5, 9));
    blade->frames = dense->frames;
    blade->frames[1].setPixelColor(0, 0, QColor(0, 0, 0));
    blade->frames[1].setPixelColor(1, 0, QColor(255, 255, 255));
    const auto stats = compare_outputs(*dense, *blade);
    QCOMPARE(stats.denoising_speedup, 4.0);
    QCOMPARE(stats.total_speedup, 6.5 / 2.0);
    QCOMPARE(stats.dense_steps, 2);
    QCOMPARE(*stats.blade_sparsity, 0.5);
    // Direct MSE over all 4 frames x 16 x 16 x 3 values.
    double squared = 0;
    for (int x : {0, 1}) {
      const QColor a = dense->frames[1].pixelColor(x, 0), b = blade->frames[1].pixelColor(x, 0);
      squared += std::pow(a.red() - b.red(), 2) + std::pow(a.green() - b.green(), 2) + std::pow(a.blue() - b.blue(), 2);
    }
    const double expected_psnr = 10.0 * std::log10(255.0 * 255.0 / (squared / (4 * 16 * 16 * 3)));
    QVERIFY(std::abs(*stats.psnr_db - expected_psnr) < 1e-9);
    CompareView view;
    view.setPair(dense, blade);
    QVERIFY(view.findChild<QLabel*>(QStringLiteral("compareStats"))->text().contains(QStringLiteral("4.00x")));
  }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
