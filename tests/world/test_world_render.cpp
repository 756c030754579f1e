#include "world/backgrounds.h"
#include "world/palette.h"
#include "world/renderer.h"
#include "world/scene_sampler.h"
#include "world/shapes.h"

#include "test_tensors.h"

#include <QtTest>

#include <cmath>

using namespace blade::world;

namespace {

constexpr double kPi = 3.14159265358979323846;

Scene single(ObjectAttributes object, Placement placement, Background background = {BackgroundKind::Solid, Tone::Fog}) {
  return {{background, {object}}, {placement}};
}

}  // namespace

class TestWorldRender : public QObject {
  Q_OBJECT
 private slots:
  void every_shape_covers_the_area_of_its_circle() {
    torch::manual_seed(3);
    double worst_area = 0, worst_centroid = 0;
    for (Shape shape : kShapes) {
      for (int trial = 0; trial < 4; ++trial) {
        const double radius = 12.0 + 10.0 * trial;
        const auto centre = torch::rand({1, 2}, torch::kFloat64) * 10 + 60;  // off the pixel grid
        const auto coverage = shape_coverage(shape, centre, torch::tensor({radius}, torch::kFloat64), 128, 128)[0];
        const double area = coverage.sum().item<double>();
        const auto ys = (torch::arange(128, torch::kFloat64) + 0.5).view({128, 1});
        const auto xs = (torch::arange(128, torch::kFloat64) + 0.5).view({1, 128});
        const double cx = (coverage * xs).sum().item<double>() / area, cy = (coverage * ys).sum().item<double>() / area;
        const double area_error = std::abs(area / (kPi * radius * radius) - 1);
        QVERIFY2(area_error < 0.01, qPrintable(QString("%1 r=%2: area off by %3").arg(to_string(shape).c_str()).arg(radius).arg(area_error)));
        const double centroid_error = std::hypot(cx - centre[0][0].item<double>(), cy - centre[0][1].item<double>());
        QVERIFY2(centroid_error < 0.1, qPrintable(QString("%1 r=%2: centroid off by %3 px").arg(to_string(shape).c_str()).arg(radius).arg(centroid_error)));
        worst_area = std::max(worst_area, area_error);
        worst_centroid = std::max(worst_centroid, centroid_error);
        // Nothing beyond the extent; soft edges exist.
        const auto d = torch::sqrt((xs - centre[0][0]).square() + (ys - centre[0][1]).square());
        QCOMPARE(coverage.masked_select(d > shape_extent(shape) * radius + 1).sum().item<double>(), 0.0);
        QVERIFY(((coverage > 0.05) & (coverage < 0.95)).sum().item<int64_t>() > 10);
      }
    }
    qInfo("6 shapes at radius 12-42 px: worst relative area error %.4f, worst centroid error %.3f px", worst_area,
          worst_centroid);
  }

  void object_colours_stand_out_from_every_background() {
    double closest_rgb = 1e9, closest_lab = 1e9;
    for (BackgroundKind kind : kBackgroundKinds)
      for (Tone tone : kTones) {
        const auto pixels = render_background({kind, tone}, 64, 64, torch::kFloat64).reshape({3, -1}).t();
        for (Colour colour : kColours) {
          const Rgb c = rgb(colour);
          const auto target = torch::tensor({c[0], c[1], c[2]}, torch::kFloat64);
          closest_rgb = std::min(closest_rgb, (pixels - target).norm(2, 1).min().item<double>());
          for (int64_t i = 0; i < pixels.size(0); i += 7) {
            const Rgb p{pixels[i][0].item<double>(), pixels[i][1].item<double>(), pixels[i][2].item<double>()};
            closest_lab = std::min(closest_lab, delta_e(to_lab(p), to_lab(c)));
          }
        }
      }
    double closest_palette = 1e9;
    for (Colour a : kColours)
      for (Colour b : kColours)
        if (a != b) closest_palette = std::min(closest_palette, delta_e(to_lab(rgb(a)), to_lab(rgb(b))));
    qInfo("closest object/background: RGB %.3f, Delta E %.1f; closest two object colours: Delta E %.1f", closest_rgb,
          closest_lab, closest_palette);
    QVERIFY(closest_rgb > 0.3);
    QVERIFY(closest_lab > 20);
    QVERIFY(closest_palette > 20);
  }

  // The judge treats any blend of a tone's pattern colours as background wherever it is drawn
  // (eval/blobs.h): every colour of a pattern must lie on the segment pattern_tone_range spans, and
  // every object colour, even drawn 0.1 off towards the tone, far from it.
  void every_object_colour_stands_out_of_every_pattern() {
    constexpr double kForegroundThreshold = 0.12;  // eval::SegmentationSettings
    const auto distance_to_segment = [](const torch::Tensor& colours, const torch::Tensor& ends) {  // [N, 3], [3, 2]
      const auto start = ends.select(1, 0), along = ends.select(1, 1) - ends.select(1, 0);
      const auto t = ((colours - start) * along).sum(1, true).div(along.square().sum()).clamp(0, 1);
      return (colours - start - t * along).norm(2, 1);
    };
    double farthest_pattern = 0, closest = 1e9, closest_drawn_off = 1e9;
    for (Tone tone : kTones) {
      const auto ends = pattern_tone_range(tone).to(torch::kFloat64);
      for (BackgroundKind kind : {BackgroundKind::Stripes, BackgroundKind::Checker}) {
        const auto pixels = render_background({kind, tone}, 64, 64, torch::kFloat64).reshape({3, -1}).t();
        farthest_pattern = std::max(farthest_pattern, distance_to_segment(pixels, ends).max().item<double>());
      }
      const Rgb t = rgb(tone);
      const auto tone_colour = torch::tensor({t[0], t[1], t[2]}, torch::kFloat64);
      for (Colour colour : kColours) {
        const Rgb c = rgb(colour);
        const auto target = torch::tensor({c[0], c[1], c[2]}, torch::kFloat64).view({1, 3});
        closest = std::min(closest, distance_to_segment(target, ends).item<double>());
        const auto towards_tone = (tone_colour - target) / (tone_colour - target).norm();
        closest_drawn_off = std::min(closest_drawn_off, distance_to_segment(target + 0.1 * towards_tone, ends).item<double>());
      }
    }
    qInfo("pattern colours off their segment: at most %.4f; object colours from a segment: at least %.3f, drawn 0.1 "
          "off towards the tone %.3f",
          farthest_pattern, closest, closest_drawn_off);
    QVERIFY(farthest_pattern < 0.02);  // clamping to [0, 1] bends the darkest night and lightest sky colours a little
    QVERIFY(closest > 2.5 * kForegroundThreshold);
    QVERIFY(closest_drawn_off > 1.5 * kForegroundThreshold);
  }

  void backgrounds_differ_from_each_other() {
    for (BackgroundKind a : kBackgroundKinds)
      for (BackgroundKind b : kBackgroundKinds) {
        if (a == b) continue;
        const auto ia = render_background({a, Tone::Night}, 64, 64), ib = render_background({b, Tone::Night}, 64, 64);
        QVERIFY((ia - ib).abs().mean().item<double>() > 0.02);
      }
  }

  void clips_have_the_vae_layout_and_range() {
    const Scene scene = sample_scene(5, Split::Train);
    const ClipFormat format{17, 128, 128};
    const auto video = render_scene(scene, format);
    QVERIFY(video.sizes().vec() == (std::vector<int64_t>{3, 17, 128, 128}));
    QCOMPARE(video.scalar_type(), torch::kFloat32);
    QVERIFY(video.min().item<float>() >= -1.0f && video.max().item<float>() <= 1.0f);
    QVERIFY(torch::equal(video, render_scene(scene, format)));  // deterministic
    RenderOptions f64;
    f64.dtype = torch::kFloat64;
    QVERIFY(blade::test::relative_error(video, render_scene(scene, format, f64)) < 1e-6);
    RenderOptions bf16;
    bf16.dtype = torch::kBFloat16;
    const auto low = render_scene(scene, format, bf16);
    QCOMPARE(low.scalar_type(), torch::kBFloat16);
    QVERIFY(blade::test::relative_error(low, video) < 5e-3);  // only the result is rounded
  }

  void objects_are_painted_where_their_track_says() {
    const ObjectAttributes object{Shape::Square, Colour::Red, Size::Large, Motion::Right, Speed::Fast};
    const Scene scene = single(object, {0.25, 0.5, 0.0, 1});
    const auto video = (render_scene(scene, {5, 64, 96}) + 1) / 2;  // x spans 1.5 frame units
    const Rgb red = rgb(Colour::Red), fog = rgb(Tone::Fog);
    for (int64_t f = 0; f < 5; ++f) {
      const double x_px = (0.25 + 0.5 * f / 4.0) * 64;
      const auto centre = video.index({torch::indexing::Slice(), f, 32, static_cast<int64_t>(x_px)});
      QVERIFY(std::abs(centre[0].item<double>() - red[0]) < 1e-5);
      QVERIFY(std::abs(video[1][f][2][2].item<double>() - fog[1]) < 1e-5);
    }
  }

  void motions_follow_their_definitions() {
    Placement anchor{0.5, 0.6, 0.3, -1};
    ObjectAttributes o{Shape::Circle, Colour::Blue, Size::Small, Motion::Left, Speed::Slow};
    auto track = object_track(o, anchor, 17);
    QVERIFY(std::abs(track.front().x - track.back().x - motion_constants::kSlowDistance) < 1e-12);
    o.motion = Motion::Grow;
    o.speed = Speed::Fast;
    track = object_track(o, anchor, 17);
    QVERIFY(std::abs(track.back().radius / track.front().radius - motion_constants::kFastGrowth) < 1e-12);
    QVERIFY(std::abs(track[8].radius - motion_constants::kSmallRadius) < 1e-12);
    o.motion = Motion::Orbit;
    track = object_track(o, anchor, 17);
    for (const auto& p : track) QVERIFY(std::abs(std::hypot(p.x - 0.5, p.y - 0.6) - motion_constants::kOrbitRadius) < 1e-12);
    QVERIFY(std::abs(track.front().x - track.back().x) < 1e-12);  // a fast orbit closes the loop
    o.motion = Motion::Bounce;
    track = object_track(o, anchor, 17);
    QVERIFY(std::abs(track[4].y - (0.6 - motion_constants::kBounceHeight)) < 1e-12);  // two hops: peaks at t 1/4, 3/4
    QVERIFY(std::abs(track[8].y - 0.6) < 1e-12);
  }

  void batched_rendering_matches_one_by_one() {
    std::vector<Scene> scenes;
    for (uint64_t seed = 0; seed < 6; ++seed) scenes.push_back(sample_scene(seed, Split::Train));
    const ClipFormat format{9, 48, 64};
    const auto batch = render_scenes(scenes, format);
    for (size_t i = 0; i < scenes.size(); ++i) QVERIFY(torch::equal(batch[i], render_scene(scenes[i], format)));
  }
};

QTEST_APPLESS_MAIN(TestWorldRender)
#include "test_world_render.moc"
