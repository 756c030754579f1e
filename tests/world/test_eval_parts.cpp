#include "eval/connected_components.h"
#include "eval/motion_classifier.h"
#include "eval/tracking.h"
#include "world/motion.h"
#include "world/palette.h"

#include <QtTest>

#include <algorithm>
#include <limits>

using namespace blade;
using world::Motion;
using world::Speed;

class TestEvalParts : public QObject {
  Q_OBJECT
 private slots:
  void flood_fill_finds_8_connected_components() {
    // 6x7 mask: a diagonal pair joined by a corner, a lone pixel (dropped at min 2), a bar on the border.
    const char* rows[] = {
        ".......",
        ".##....",
        "...#...",
        "......#",
        "#......",
        "####...",
    };
    std::vector<uint8_t> mask;
    for (const char* row : rows)
      for (int x = 0; x < 7; ++x) mask.push_back(row[x] == '#');
    auto components = eval::connected_components(mask.data(), 6, 7, 2);
    QCOMPARE(components.size(), size_t{2});
    std::sort(components.begin(), components.end(), [](auto& a, auto& b) { return a.pixels.size() < b.pixels.size(); });
    QCOMPARE(components[0].pixels.size(), size_t{3});
    QVERIFY(!components[0].touches_border);
    QCOMPARE(components[1].pixels.size(), size_t{5});
    QVERIFY(components[1].touches_border);
    QCOMPARE(eval::connected_components(mask.data(), 6, 7, 1).size(), size_t{3});
  }

  void palette_colours_are_their_own_nearest() {
    for (world::Colour c : world::kColours) {
      const auto match = world::nearest_colour(world::rgb(c));
      QCOMPARE(match.colour, c);
      QCOMPARE(match.distance, 0.0);
      // A slightly darker, noisier version is still recognised.
      world::Rgb shifted = world::rgb(c);
      for (auto& v : shifted) v = std::clamp(v * 0.9 + 0.03, 0.0, 1.0);
      QCOMPARE(world::nearest_colour(shifted).colour, c);
    }
    const world::Lab white = world::to_lab({1, 1, 1});
    QVERIFY(std::abs(white[0] - 100) < 0.01 && std::abs(white[1]) < 0.01 && std::abs(white[2]) < 0.01);
  }

  void every_world_motion_is_recognised_from_its_track() {
    int checked = 0;
    for (Motion motion : world::kMotions)
      for (Speed speed : world::kSpeeds)
        for (world::Size size : world::kSizes)
          for (int64_t frames : {9, 17, 33})
            for (double phase : {0.0, 1.0, 2.5, 4.0}) {
              const world::ObjectAttributes object{world::Shape::Star, world::Colour::Cyan, size, motion, speed};
              const world::Placement anchor{0.55, 0.7, phase, phase > 2 ? 1 : -1};
              std::vector<eval::TimedPose> poses;
              const auto track = world::object_track(object, anchor, frames);
              for (int64_t f = 0; f < frames; ++f)
                poses.push_back({static_cast<double>(f) / (frames - 1), track[f].x, track[f].y, track[f].radius});
              const auto vote = eval::classify_motion(poses);
              const QString what = QString::fromStdString(world::to_string(object)) + QString(" at %1 frames, phase %2").arg(frames).arg(phase);
              QVERIFY2(vote.motion == motion, qPrintable(what));
              QVERIFY2(vote.speed == speed, qPrintable(what));
              QVERIFY2(vote.size == size, qPrintable(what));
              ++checked;
            }
    QCOMPARE(checked, 8 * 2 * 2 * 3 * 4);
  }

  void a_still_or_wandering_object_has_no_world_motion() {
    std::vector<eval::TimedPose> still, sway;
    for (int f = 0; f < 17; ++f) {
      const double t = f / 16.0;
      still.push_back({t, 0.5, 0.5, 0.1});
      sway.push_back({t, 0.5 + 0.2 * std::sin(6.283 * t), 0.5, 0.1});  // side to side: not a world motion
    }
    QVERIFY(!eval::classify_motion(still).motion.has_value());
    QVERIFY(!eval::classify_motion(sway).motion.has_value());
  }

  // A red object moving right 2 pixels a frame, missing in frame 5 where a stray red blob sits
  // across the frame: without a step bound the track jumps there and back; with one the stray
  // starts its own track (seen once, dropped) and the object's track skips frame 5.
  void tracks_do_not_jump_past_the_step_bound() {
    std::vector<eval::Blob> blobs;
    const int64_t frames = 9;
    for (int64_t f = 0; f < frames; ++f) {
      eval::Blob blob;
      blob.frame = f;
      blob.palette = world::Colour::Red;
      blob.area = 50.0;
      blob.x = f == 5 ? 60.0 : 10.0 + 2.0 * static_cast<double>(f);
      blob.y = f == 5 ? 60.0 : 20.0;
      blobs.push_back(blob);
    }
    const auto unbounded = eval::link_blobs(blobs, frames, 0.5, std::numeric_limits<double>::infinity());
    QCOMPARE(unbounded.size(), size_t{1});
    QCOMPARE(unbounded[0].blobs.size(), size_t{9});
    QCOMPARE(unbounded[0].blobs[5].x, 60.0);

    const auto bounded = eval::link_blobs(blobs, frames, 0.5, 8.0);
    QCOMPARE(bounded.size(), size_t{1});
    QCOMPARE(bounded[0].blobs.size(), size_t{8});
    for (const auto& blob : bounded[0].blobs) QVERIFY(blob.x < 30.0);
    QCOMPARE(bounded[0].blobs[5].frame, int64_t{6});  // frame 6 continues from frame 4 (two frames, 4 px)
  }
};

QTEST_APPLESS_MAIN(TestEvalParts)
#include "test_eval_parts.moc"
