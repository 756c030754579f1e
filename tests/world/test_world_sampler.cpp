#include "world/held_out.h"
#include "world/scene_sampler.h"
#include "world/world_batch.h"

#include <QtTest>

#include <set>
#include <tuple>

using namespace blade::world;

namespace {

bool same_scene(const Scene& a, const Scene& b) {
  if (a.attributes != b.attributes || a.placements.size() != b.placements.size()) return false;
  for (size_t i = 0; i < a.placements.size(); ++i) {
    const Placement &p = a.placements[i], &q = b.placements[i];
    if (p.x != q.x || p.y != q.y || p.phase != q.phase || p.turn != q.turn) return false;
  }
  return true;
}

int triple_key(const ObjectAttributes& o) { return (index_of(o.colour) * 6 + index_of(o.shape)) * 8 + index_of(o.motion); }

}  // namespace

class TestWorldSampler : public QObject {
  Q_OBJECT
 private slots:
  void held_out_set_keeps_every_value_and_pair_in_training() {
    const auto& triples = held_out_triples();
    QCOMPARE(triples.size(), size_t{16});
    std::set<int> colours, shapes, motions;
    for (const auto& t : triples) {
      colours.insert(index_of(t.colour));
      shapes.insert(index_of(t.shape));
      motions.insert(index_of(t.motion));
    }
    QCOMPARE(colours.size(), kColours.size());
    QCOMPARE(shapes.size(), kShapes.size());
    QCOMPARE(motions.size(), kMotions.size());
    // Every pair of values still has a training triple that contains it.
    std::set<std::tuple<int, int, int>> pairs;  // (which pair, first, second)
    for (Colour c : kColours)
      for (Shape s : kShapes)
        for (Motion m : kMotions)
          if (!is_held_out(c, s, m)) {
            pairs.insert({0, index_of(c), index_of(s)});
            pairs.insert({1, index_of(c), index_of(m)});
            pairs.insert({2, index_of(s), index_of(m)});
          }
    QCOMPARE(pairs.size(), size_t{8 * 6 + 8 * 8 + 6 * 8});
  }

  void training_never_draws_a_held_out_triple() {
    std::set<int> seen;
    int objects = 0;
    for (uint64_t seed = 0; seed < 20000; ++seed) {
      const Scene scene = sample_scene(seed, Split::Train);
      for (const auto& object : scene.attributes.objects) {
        QVERIFY2(!is_held_out(object), qPrintable(QString::fromStdString(to_string(object))));
        seen.insert(triple_key(object));
        ++objects;
      }
    }
    qInfo("training split: %d objects in 20000 scenes, %zu distinct colour x shape x motion triples (of 368 allowed)",
          objects, seen.size());
    QCOMPARE(seen.size(), size_t{8 * 6 * 8 - 16});
  }

  void held_out_split_always_shows_a_held_out_triple() {
    std::set<int> seen;
    for (uint64_t seed = 0; seed < 2000; ++seed) {
      const Scene scene = sample_scene(seed, Split::HeldOut);
      QVERIFY(is_held_out(scene.attributes.objects[0]));
      seen.insert(triple_key(scene.attributes.objects[0]));
      if (scene.attributes.objects.size() == 2) QVERIFY(!is_held_out(scene.attributes.objects[1]));
    }
    QCOMPARE(seen.size(), held_out_triples().size());
  }

  void scenes_are_deterministic_and_fit_the_frame() {
    int two = 0;
    const int n = 4000;
    for (uint64_t seed = 0; seed < static_cast<uint64_t>(n); ++seed) {
      const double aspect = seed % 3 == 0 ? 16.0 / 9.0 : (seed % 3 == 1 ? 1.0 : 0.75);
      SamplerSettings settings;
      settings.aspect = aspect;
      const Scene scene = sample_scene(seed, Split::Train, settings);
      QVERIFY(same_scene(scene, sample_scene(seed, Split::Train, settings)));
      QVERIFY(scene_fits(scene, aspect));
      if (scene.attributes.objects.size() == 2) {
        ++two;
        QVERIFY(scene.attributes.objects[0].colour != scene.attributes.objects[1].colour);
      }
    }
    const double fraction = static_cast<double>(two) / n;
    qInfo("two-object scenes: %.3f (asked 0.4)", fraction);
    QVERIFY(std::abs(fraction - 0.4) < 0.03);
    QVERIFY(!same_scene(sample_scene(1, Split::Train), sample_scene(2, Split::Train)));
  }

  void arranged_scenes_keep_their_attributes() {
    for (uint64_t seed = 0; seed < 300; ++seed) {
      const SceneAttributes attributes = sample_scene(seed + 10000, Split::Train).attributes;
      const Scene scene = arrange_scene(attributes, seed);
      QVERIFY(scene.attributes == attributes);
      QVERIFY(scene_fits(scene, 1.0));
      QVERIFY(same_scene(scene, arrange_scene(attributes, seed)));
    }
  }

  void batches_are_reproducible_per_example() {
    BatchRequest request;
    request.seed = 99;
    request.size = 3;
    request.format = {5, 32, 48};
    const WorldBatch batch = make_batch(request);
    QVERIFY(batch.video.sizes().vec() == (std::vector<int64_t>{3, 3, 5, 32, 48}));
    SamplerSettings settings;
    settings.aspect = 48.0 / 32.0;
    for (int64_t i = 0; i < 3; ++i) {
      const Scene alone = sample_scene(example_seed(99, i), Split::Train, settings);
      QVERIFY(same_scene(alone, batch.scenes[i]));
      QVERIFY(torch::equal(render_scene(alone, request.format), batch.video[i]));
    }
    QVERIFY(torch::equal(make_batch(request).video, batch.video));
    QCOMPARE(make_batch(request).prompts, batch.prompts);
  }
};

QTEST_APPLESS_MAIN(TestWorldSampler)
#include "test_world_sampler.moc"
