#include "eval/connected_components.h"
#include "eval/motion_classifier.h"
#include "world/motion.h"
#include "world/palette.h"

#include <QtTest>

#include <algorithm>

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
};

QTEST_APPLESS_MAIN(TestEvalParts)
#include "test_eval_parts.moc"
