#include "core/error.h"
#include "eval/fidelity_metrics.h"
#include "eval/judge.h"
#include "eval/judge_report.h"
#include "world/backgrounds.h"
#include "world/palette.h"
#include "world/prompt_grammar.h"
#include "world/renderer.h"
#include "world/scene_sampler.h"

#include <QtTest>

#include <cmath>

using namespace blade;
using world::Scene;
using world::SceneAttributes;
using world::Split;

namespace {

const world::ClipFormat kFormat{17, 128, 128};

struct Tally {
  double colour = 0, shape = 0, size = 0, motion = 0, speed = 0, background = 0, count = 0, overall = 0;
  double min_overall = 1, temporal = 0, min_temporal = 1, sharpness = 0, min_sharpness = 1;
  int n = 0;

  void add(const eval::Judgement& j) {
    const auto& s = j.scores;
    colour += s.colour, shape += s.shape, size += s.size, motion += s.motion, speed += s.speed;
    background += s.background, count += s.count, overall += s.overall;
    min_overall = std::min(min_overall, s.overall);
    temporal += j.temporal.score, min_temporal = std::min(min_temporal, j.temporal.score);
    sharpness += j.sharpness.score, min_sharpness = std::min(min_sharpness, j.sharpness.score);
    ++n;
  }
  double mean(double sum) const { return sum / n; }
  void print(const char* what) const {
    qInfo("%s (%d clips): colour %.3f shape %.3f size %.3f motion %.3f speed %.3f background %.3f count %.3f | "
          "overall mean %.4f min %.3f | temporal mean %.4f min %.3f | sharpness mean %.4f min %.3f",
          what, n, mean(colour), mean(shape), mean(size), mean(motion), mean(speed), mean(background), mean(count),
          mean(overall), min_overall, mean(temporal), min_temporal, mean(sharpness), min_sharpness);
  }
};

torch::Tensor blur(const torch::Tensor& video, double sigma) {
  const int64_t radius = static_cast<int64_t>(std::ceil(3 * sigma));
  auto g = torch::arange(-radius, radius + 1, torch::kFloat32);
  g = torch::exp(-g.square() / (2 * sigma * sigma));
  g = g / g.sum();
  const auto sizes = video.sizes().vec();
  auto planes = video.reshape({-1, 1, sizes[2], sizes[3]});
  planes = torch::nn::functional::pad(planes, torch::nn::functional::PadFuncOptions({radius, radius, radius, radius})
                                                  .mode(torch::kReplicate));
  planes = torch::conv2d(torch::conv2d(planes, g.view({1, 1, 1, -1})), g.view({1, 1, -1, 1}));
  return planes.reshape(sizes);
}

// A scene's clip in [0, 1], its background alone, and where the background shows ([3, F, H, W]), so
// a test can redraw the background under the objects or the objects over it.
struct SceneLayers {
  torch::Tensor unit, place, uncovered;
};

SceneLayers render_layers(const Scene& scene, const world::ClipFormat& format) {
  SceneLayers layers;
  layers.unit = (world::render_scene(scene, format) + 1) / 2;
  layers.place = world::render_background(scene.attributes.background, format.height, format.width,
                                          layers.unit.options());
  layers.uncovered = ((layers.unit - layers.place.unsqueeze(1)).abs().amax(0, /*keepdim=*/true) < 1e-4)
                         .expand_as(layers.unit);
  return layers;
}

// Empty when the judge found as many objects as the scene has, else what went wrong.
QString count_mismatch(const eval::Judgement& judgement, const Scene& scene, uint64_t scene_seed) {
  if (judgement.objects.size() == scene.attributes.objects.size()) return {};
  return QStringLiteral("scene %1: %2 objects found, %3 drawn")
      .arg(scene_seed).arg(judgement.objects.size()).arg(scene.attributes.objects.size());
}

Scene single_object_scene(uint64_t seed) {
  world::SamplerSettings settings;
  settings.two_object_probability = 0.0;
  return world::sample_scene(seed, Split::Train, settings);
}

}  // namespace

class TestEvalJudge : public QObject {
  Q_OBJECT
 private slots:
  // The judge works on small tensors; one thread avoids OpenMP spin-waiting on a busy machine.
  void initTestCase() { torch::set_num_threads(1); }

  void ground_truth_clips_score_near_one() {
    Tally tally, held_out;
    QElapsedTimer timer;
    timer.start();
    for (uint64_t seed = 0; seed < 250; ++seed) {
      const Split split = seed < 200 ? Split::Train : Split::HeldOut;
      const Scene scene = world::sample_scene(seed, split);
      const auto judgement = eval::judge_clip(world::render_scene(scene, kFormat), scene.attributes);
      (split == Split::Train ? tally : held_out).add(judgement);
      if (judgement.scores.overall < 1.0) {
        qInfo("seed %llu expected [%s] judged %s", static_cast<unsigned long long>(seed),
              world::to_string(scene.attributes).c_str(), eval::to_json(judgement).dump().c_str());
      }
    }
    qInfo("rendering and judging took %.0f ms per clip", static_cast<double>(timer.elapsed()) / 250);
    tally.print("ground truth, training split");
    held_out.print("ground truth, held-out split");
    for (const Tally* t : {&tally, &held_out}) {
      for (double sum : {t->colour, t->shape, t->size, t->motion, t->speed, t->background, t->count})
        QVERIFY(t->mean(sum) >= 0.95);
      QVERIFY(t->mean(t->overall) >= 0.97);
      QVERIFY(t->mean(t->temporal) >= 0.97);
      QVERIFY(t->mean(t->sharpness) >= 0.95);
    }
  }

  // Travel grades how far an object went along the asked direction (or how much it grew): about 1
  // for the world's own clips, about 0.5 when the clip shows only its first half stretched over
  // all frames, about 0 for a still clip, about -1 played backwards; none for bounce and orbit.
  void travel_grades_how_far_objects_move() {
    const world::ClipFormat mini{17, 64, 64};
    std::vector<int64_t> half_way, still(17, 0), backwards;
    for (int64_t f = 0; f < 17; ++f) {
      half_way.push_back(f / 2);
      backwards.push_back(16 - f);
    }
    int graded = 0, ungraded = 0;
    for (uint64_t seed = 0; seed < 60; ++seed) {
      const Scene scene = single_object_scene(seed + 5000);
      const auto truth = world::render_scene(scene, mini);
      const auto judge_frames = [&](const std::vector<int64_t>& order) {
        return eval::judge_clip(truth.index_select(1, torch::tensor(order)), scene.attributes).travel;
      };
      const auto as_drawn = eval::judge_clip(truth, scene.attributes).travel;
      const auto motion = scene.attributes.objects[0].motion;
      const std::string what = world::to_string(scene.attributes);
      if (motion == world::Motion::Bounce || motion == world::Motion::Orbit) {
        QVERIFY2(!as_drawn, what.c_str());
        ++ungraded;
        continue;
      }
      ++graded;
      QVERIFY2(as_drawn && std::abs(*as_drawn - 1.0) <= 0.15,
               (what + " as drawn " + std::to_string(as_drawn.value_or(-9))).c_str());
      const auto half = judge_frames(half_way);
      QVERIFY2(half && std::abs(*half - 0.5) <= 0.12, (what + " half " + std::to_string(half.value_or(-9))).c_str());
      const auto none = judge_frames(still);
      QVERIFY2(none && std::abs(*none) <= 0.05, (what + " still " + std::to_string(none.value_or(-9))).c_str());
      const auto reverse = judge_frames(backwards);
      QVERIFY2(reverse && std::abs(*reverse + 1.0) <= 0.15,
               (what + " backwards " + std::to_string(reverse.value_or(-9))).c_str());
    }
    qInfo("graded %d clips, %d with a bounce or orbit ungraded", graded, ungraded);
    QVERIFY(graded >= 30 && ungraded >= 5);
  }

  // A model may draw its object somewhere else for a few frames. The judge's track must not jump
  // there: frames 7-9 show the object 0.45 frame units away on both axes (farther than the
  // judge's per-frame bound at 17 frames, nearer than its bound over the 4-frame gap). Those three
  // blobs make a track of their own, seen in 3 of 17 frames and dropped; the object's track skips
  // them, and its motion and travel are still read.
  void a_track_does_not_jump_to_a_far_blob() {
    const world::ClipFormat mini{17, 64, 64};
    int checked = 0;
    for (uint64_t seed = 0; seed < 40 && checked < 12; ++seed) {
      const Scene scene = single_object_scene(seed + 7000);
      const auto& object = scene.attributes.objects[0];
      if (object.motion != world::Motion::Left && object.motion != world::Motion::Right &&
          object.motion != world::Motion::Up && object.motion != world::Motion::Down) {
        continue;
      }
      const world::Pose middle = world::pose_at(object, scene.placements[0], 0.5);
      Scene elsewhere = scene;
      elsewhere.placements[0].x += middle.x < 0.5 ? 0.45 : -0.45;
      elsewhere.placements[0].y += middle.y < 0.5 ? 0.45 : -0.45;
      auto video = world::render_scene(scene, mini);
      video.narrow(1, 7, 3).copy_(world::render_scene(elsewhere, mini).narrow(1, 7, 3));
      const auto judgement = eval::judge_clip(video, scene.attributes);
      const std::string what = world::to_string(scene.attributes);
      QVERIFY2(judgement.objects.size() == 1, (what + ": " + std::to_string(judgement.objects.size())).c_str());
      QVERIFY2(std::abs(judgement.objects[0].presence - 14.0 / 17.0) < 1e-9,
               (what + ": presence " + std::to_string(judgement.objects[0].presence)).c_str());
      QVERIFY2(judgement.objects[0].motion == object.motion, what.c_str());
      QVERIFY2(judgement.travel && std::abs(*judgement.travel - 1.0) <= 0.15,
               (what + ": travel " + std::to_string(judgement.travel.value_or(-9))).c_str());
      ++checked;
    }
    QCOMPARE(checked, 12);
  }

  // BLADE-mini generates 17 x 64 x 64: every attribute must be judged right at that size too, also
  // when the clip is a little blurred (as a generated one is).
  void the_models_clip_size_is_judged_per_attribute() {
    const world::ClipFormat mini{17, 64, 64};
    Tally sharp, blurred;
    for (uint64_t seed = 0; seed < 120; ++seed) {
      const Scene scene = world::sample_scene(seed + 3000, seed % 4 ? Split::Train : Split::HeldOut);
      const auto video = world::render_scene(scene, mini);
      sharp.add(eval::judge_clip(video, scene.attributes));
      blurred.add(eval::judge_clip(blur(video, 0.7), scene.attributes));
    }
    sharp.print("ground truth, 17x64x64");
    blurred.print("ground truth, 17x64x64, blur sigma 0.7 px");
    for (const Tally* t : {&sharp, &blurred}) {
      for (double sum : {t->colour, t->shape, t->size, t->motion, t->speed, t->background, t->count})
        QVERIFY(t->mean(sum) >= 0.9);
    }
  }

  void other_formats_are_judged_too() {
    Tally tally;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      const world::ClipFormat format = seed % 2 ? world::ClipFormat{9, 96, 160} : world::ClipFormat{33, 160, 120};
      world::SamplerSettings settings;
      settings.aspect = static_cast<double>(format.width) / format.height;
      const Scene scene = world::sample_scene(seed + 500, Split::Train, settings);
      tally.add(eval::judge_clip(world::render_scene(scene, format).unsqueeze(0), scene.attributes));
    }
    tally.print("ground truth, 9x96x160 and 33x160x120");
    QVERIFY(tally.mean(tally.overall) >= 0.95);
  }

  void wrong_clips_lose_the_wrong_attribute() {
    Tally colour, shape, motion, background, count;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      const Scene truth = single_object_scene(seed + 1000);
      const SceneAttributes expected = truth.attributes;
      const auto& object = expected.objects[0];

      Scene recoloured = truth;
      recoloured.attributes.objects[0].colour = world::kColours[(world::index_of(object.colour) + 1 + seed % 7) % 8];
      colour.add(eval::judge_clip(world::render_scene(recoloured, kFormat), expected));

      SceneAttributes reshaped = expected;
      reshaped.objects[0].shape = world::kShapes[(world::index_of(object.shape) + 1 + seed % 5) % 6];
      shape.add(eval::judge_clip(world::render_scene(world::arrange_scene(reshaped, seed), kFormat), expected));

      SceneAttributes moved = expected;
      moved.objects[0].motion = world::kMotions[(world::index_of(object.motion) + 1 + seed % 7) % 8];
      motion.add(eval::judge_clip(world::render_scene(world::arrange_scene(moved, seed), kFormat), expected));

      Scene rebackground = truth;
      rebackground.attributes.background.kind =
          world::kBackgroundKinds[(world::index_of(expected.background.kind) + 1 + seed % 3) % 4];
      background.add(eval::judge_clip(world::render_scene(rebackground, kFormat), expected));
    }
    for (uint64_t seed = 0, found = 0; found < 20; ++seed) {
      const Scene scene = world::sample_scene(seed + 2000, Split::Train);
      if (scene.attributes.objects.size() != 2) continue;
      ++found;
      SceneAttributes first_only = scene.attributes;
      first_only.objects.pop_back();
      count.add(eval::judge_clip(world::render_scene(scene, kFormat), first_only));
    }
    colour.print("wrong colour");
    shape.print("wrong shape");
    motion.print("wrong motion");
    background.print("wrong background kind");
    count.print("an extra object");
    QVERIFY(colour.mean(colour.colour) <= 0.05);
    QVERIFY(colour.mean(colour.shape) >= 0.95 && colour.mean(colour.motion) >= 0.95);
    QVERIFY(shape.mean(shape.shape) <= 0.05);
    QVERIFY(shape.mean(shape.colour) >= 0.95);
    QVERIFY(motion.mean(motion.motion) <= 0.05);
    QVERIFY(motion.mean(motion.colour) >= 0.95 && motion.mean(motion.shape) >= 0.9);
    QVERIFY(std::abs(background.mean(background.background) - 0.5) <= 0.03);  // the tone still agrees
    QVERIFY(count.mean(count.count) <= 0.05);
    QVERIFY(count.mean(count.colour) >= 0.95);
  }

  void noise_blur_and_broken_time_are_seen() {
    Tally noise, blurred, degraded, shuffled, flickering;
    torch::manual_seed(21);
    double psnr_blur = 0, ssim_blur = 0;
    for (uint64_t seed = 0; seed < 20; ++seed) {
      const Scene scene = world::sample_scene(seed + 3000, Split::Train);
      const auto truth = world::render_scene(scene, kFormat);
      noise.add(eval::judge_clip(torch::rand_like(truth) * 2 - 1, scene.attributes));

      const auto soft = blur(truth, 1.5);
      auto judged = eval::judge_clip(soft, scene.attributes);
      blurred.add(judged);
      QVERIFY(judged.sharpness.ratio < 0.7);
      psnr_blur += eval::psnr(soft, truth) / 20;
      ssim_blur += eval::ssim(soft, truth) / 20;

      // What an imperfect generator might produce: slightly soft and grainy.
      degraded.add(eval::judge_clip((blur(truth, 0.7) + 0.05 * torch::randn_like(truth)).clamp(-1, 1), scene.attributes));

      const auto order = torch::randperm(kFormat.frames, torch::kInt64);
      shuffled.add(eval::judge_clip(truth.index_select(1, order), scene.attributes));

      const auto offsets = (torch::rand({1, kFormat.frames, 1, 1}) - 0.5) * 0.3;
      flickering.add(eval::judge_clip((truth + offsets).clamp(-1, 1), scene.attributes));
    }
    noise.print("uniform noise");
    blurred.print("blurred (sigma 1.5 px)");
    degraded.print("slightly blurred (0.7 px) and grainy (sigma 0.05)");
    shuffled.print("frames shuffled");
    flickering.print("per-frame brightness flicker");
    qInfo("blurred vs ground truth: PSNR %.2f dB, SSIM %.4f", psnr_blur, ssim_blur);
    QVERIFY(noise.mean(noise.overall) <= 0.3);
    QVERIFY(blurred.mean(blurred.sharpness) <= 0.6);
    QVERIFY(blurred.mean(blurred.overall) >= 0.9);  // blur alone does not change what is shown
    QVERIFY(degraded.mean(degraded.overall) >= 0.95);
    QVERIFY(shuffled.mean(shuffled.temporal) <= 0.7);
    QVERIFY(flickering.mean(flickering.temporal) <= 0.5);
    QVERIFY(ssim_blur < 0.98 && psnr_blur < 40);
  }

  // A generator draws the right pattern slightly off its template (shifted by part of a cell): its
  // cells must not become objects and it is still that pattern. Each scene's pattern is moved under
  // its objects by offsets on and between the judge's trial offsets, at the model's square size and
  // at a wide size whose width is not a whole number of periods.
  void a_pattern_drawn_off_its_template_adds_no_objects() {
    struct Case {
      world::ClipFormat format;
      double dy, dx;
      Tally tally;
    };
    std::vector<Case> cases{{{17, 64, 64}, 0, 0, {}},  {{17, 64, 64}, 2, 2, {}},  {{17, 64, 64}, 0, 4, {}},
                            {{17, 64, 64}, 1, 3, {}},  {{17, 64, 64}, 3, 1, {}},  {{9, 64, 112}, 0, 0, {}},
                            {{9, 64, 112}, 1, 5, {}}};
    for (uint64_t seed = 0, found = 0; found < 30; ++seed) {
      const Scene truth_scene = world::sample_scene(seed + 4000, seed % 4 ? Split::Train : Split::HeldOut);
      const auto kind = truth_scene.attributes.background.kind;
      if (kind != world::BackgroundKind::Checker && kind != world::BackgroundKind::Stripes) continue;
      ++found;
      for (auto& c : cases) {
        const double aspect = static_cast<double>(c.format.width) / static_cast<double>(c.format.height);
        const Scene scene = aspect == 1.0 ? truth_scene : world::arrange_scene(truth_scene.attributes, seed, aspect);
        const auto [unit, place, uncovered] = render_layers(scene, c.format);
        const auto moved = world::render_background_shifted(scene.attributes.background, c.format.height,
                                                            c.format.width, c.dy, c.dx, unit.options());
        const auto video = torch::where(uncovered, moved.unsqueeze(1).expand_as(unit), unit) * 2 - 1;
        c.tally.add(eval::judge_clip(video, scene.attributes));
      }
    }
    for (const auto& c : cases) {
      const auto what = QStringLiteral("patterned backgrounds at %1x%2x%3, pattern moved by (%4, %5) px")
                            .arg(c.format.frames).arg(c.format.height).arg(c.format.width).arg(c.dy).arg(c.dx);
      c.tally.print(qPrintable(what));
      const Tally& t = c.tally;
      for (double sum : {t.colour, t.shape, t.size, t.motion, t.background, t.count}) QVERIFY(t.mean(sum) >= 0.97);
    }
  }

  // What a model draws: the pattern's two tones as a maze of cells of another size, edges softened
  // (the bundled teacher on "a sandy checkered floor"). The objects alone must be found.
  void a_distorted_pattern_adds_no_objects() {
    const world::ClipFormat format{17, 64, 64};
    Tally tally;
    torch::manual_seed(11);
    for (uint64_t seed = 0, found = 0; found < 24; ++seed) {
      const Scene scene = world::sample_scene(seed + 5000, seed % 4 ? Split::Train : Split::HeldOut);
      const auto& background = scene.attributes.background;
      if (background.kind != world::BackgroundKind::Checker && background.kind != world::BackgroundKind::Stripes) continue;
      ++found;
      const auto [unit, place, uncovered] = render_layers(scene, format);
      const int64_t cell = 3 + static_cast<int64_t>(found % 5);
      const int64_t rows = (format.height + cell - 1) / cell, columns = (format.width + cell - 1) / cell;
      auto dark = torch::rand({1, 1, rows, columns}).lt(0.5).to(torch::kFloat32);
      dark = dark.repeat_interleave(cell, 2).repeat_interleave(cell, 3).slice(2, 0, format.height).slice(3, 0, format.width);
      dark = torch::avg_pool2d(torch::nn::functional::pad(dark, torch::nn::functional::PadFuncOptions({1, 1, 1, 1})
                                                                     .mode(torch::kReplicate)),
                               3, 1);  // soft edges: blends of the two tones
      const auto low = place.amin({1, 2}, true), high = place.amax({1, 2}, true);
      // Every other clip also in a tone a little off the world's: the judge must follow the cast.
      const auto tint = found % 2 ? torch::tensor({0.06, -0.04, 0.05}).view({3, 1, 1}) : torch::zeros({3, 1, 1});
      const auto maze = (low + (high - low) * (1 - dark[0]) + tint).clamp(0, 1);  // [3, H, W]
      const auto video = torch::where(uncovered, maze.unsqueeze(1).expand_as(unit), unit) * 2 - 1;
      const auto judgement = eval::judge_clip(video, scene.attributes);
      const QString mismatch = count_mismatch(judgement, scene, seed + 5000);
      QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
      tally.add(judgement);
    }
    tally.print("objects over a distorted pattern");
    for (double sum : {tally.colour, tally.shape, tally.size, tally.motion, tally.count}) QVERIFY(tally.mean(sum) >= 0.97);
  }

  // A model's colours are rarely exact: objects drawn 0.1 (RGB) off their palette colour towards the
  // background's tone, on every kind of background, are all found, in their colour.
  void objects_drawn_off_their_colour_are_still_found() {
    const world::ClipFormat format{17, 64, 64};
    Tally tally;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      const Scene scene = world::sample_scene(seed + 6000, seed % 4 ? Split::Train : Split::HeldOut);
      const auto [unit, place, uncovered] = render_layers(scene, format);
      const world::Rgb t = world::rgb(scene.attributes.background.tone);
      const auto tone = torch::tensor({t[0], t[1], t[2]}).view({3, 1, 1, 1});
      const auto towards = tone - unit;
      const auto moved = unit + 0.1 * towards / towards.norm(2, 0, /*keepdim=*/true).clamp_min(1e-6);
      const auto video = torch::where(uncovered, unit, moved) * 2 - 1;
      const auto judgement = eval::judge_clip(video, scene.attributes);
      const QString mismatch = count_mismatch(judgement, scene, seed + 6000);
      QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
      tally.add(judgement);
    }
    tally.print("objects drawn 0.1 off their colour towards the background's tone");
    QVERIFY(tally.mean(tally.colour) >= 0.97);
    QVERIFY(tally.mean(tally.count) >= 0.97);
  }

  void prompts_are_judged_through_the_parser() {
    world::SamplerSettings settings;
    settings.two_object_probability = 0.0;
    const Scene scene = world::sample_scene(77, Split::HeldOut, settings);
    const auto video = world::render_scene(scene, kFormat);
    const auto by_prompt = eval::judge_prompt(video, world::make_prompt(scene.attributes, 77));
    QCOMPARE(by_prompt.scores.overall, eval::judge_clip(video, scene.attributes).scores.overall);
    QVERIFY(eval::recovered_attributes(by_prompt) == scene.attributes);
    QVERIFY_THROWS_EXCEPTION(blade::Error, eval::judge_prompt(video, "a cat playing the piano"));
    QVERIFY_THROWS_EXCEPTION(blade::Error, eval::judge_clip(video.slice(2, 0, 4), scene.attributes));
  }
};

QTEST_APPLESS_MAIN(TestEvalJudge)
#include "test_eval_judge.moc"
