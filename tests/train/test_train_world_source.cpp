// The synthetic world as a clip source: deterministic per index, batches equal single clips, values
// in [-1, 1], prompts that the tokenizer corpus and the distiller read without rendering.

#include "test_tensors.h"
#include "train/world_clip_source.h"
#include "world/scene_sampler.h"
#include "world/world_batch.h"

#include <algorithm>
#include <cmath>

#include <QtTest>

#include <set>

using namespace blade;

class TestTrainWorldSource : public QObject {
  Q_OBJECT
 private slots:
  void batches_equal_single_clips() {
    train::WorldClipSource source({9, 32, 32}, 17);
    const auto batch = source.batch(40, 3);
    QCOMPARE(batch.videos.sizes(), (torch::IntArrayRef{3, 3, 9, 32, 32}));
    QCOMPARE(batch.prompts.size(), size_t{3});
    QVERIFY(batch.videos.min().item<double>() >= -1.0 && batch.videos.max().item<double>() <= 1.0);
    for (int64_t i = 0; i < 3; ++i) {
      const auto clip = source.clip(40 + static_cast<uint64_t>(i));
      QCOMPARE(clip.prompt, batch.prompts[static_cast<size_t>(i)]);
      QCOMPARE(source.prompt(40 + static_cast<uint64_t>(i)), clip.prompt);
      const double error = test::relative_error(batch.videos[i], clip.video);
      QVERIFY2(error < 1e-6, std::to_string(error).c_str());
    }
  }

  // Object masks mark where the world drew objects: off unless enabled, then 0 / 1 per pixel, the
  // videos unchanged, every clip with some object pixels but mostly background, and the pixel under
  // an object's centre (a ring's is its hole) masked in nearly every frame where it is inside.
  void object_masks_mark_the_objects() {
    const world::ClipFormat format{9, 32, 48};
    train::WorldClipSource plain({format.frames, format.height, format.width}, 5);
    QVERIFY(!plain.batch(0, 2).object_masks.defined());
    train::WorldClipSource masked({format.frames, format.height, format.width}, 5);
    QVERIFY(masked.knows_object_masks());
    const int64_t count = 16;
    const auto batch = masked.batch(0, count, train::BatchContents::ClipsAndObjectMasks);
    QVERIFY(torch::equal(batch.videos, plain.batch(0, count).videos));
    const auto& masks = batch.object_masks;
    QCOMPARE(masks.sizes(), (torch::IntArrayRef{count, 1, 9, 32, 48}));
    QVERIFY(torch::logical_or(masks == 0, masks == 1).all().item<bool>());
    for (int64_t i = 0; i < count; ++i) {
      const double share = masks[i].mean().item<double>();
      QVERIFY2(share > 0.002 && share < 0.6, std::to_string(share).c_str());
    }
    const double unit = static_cast<double>(std::min(format.height, format.width));
    int inside = 0, marked = 0;
    for (int64_t i = 0; i < count; ++i) {
      const auto scene = world::sample_scene(world::example_seed(5, i), world::Split::Train,
                                             {.aspect = 48.0 / 32.0});
      const auto tracks = world::to_tracks(scene, format.frames);
      for (const auto& object : tracks.objects) {
        if (object.shape == world::Shape::Ring) continue;
        for (int64_t f = 0; f < format.frames; ++f) {
          const auto& pose = object.poses[static_cast<size_t>(f)];
          const auto x = static_cast<int64_t>(std::floor(pose.x * unit)), y = static_cast<int64_t>(std::floor(pose.y * unit));
          if (x < 0 || y < 0 || x >= format.width || y >= format.height || pose.radius * unit < 2.0) continue;
          ++inside;
          marked += masks[i][0][f][y][x].item<float>() > 0.5f ? 1 : 0;
        }
      }
    }
    qInfo("object centres masked: %d of %d", marked, inside);
    QVERIFY(inside > 50);
    QVERIFY(marked >= 0.95 * inside);
  }

  void the_stream_is_deterministic_and_varied() {
    train::WorldClipSource a({9, 32, 32}, 17);
    train::WorldClipSource b({9, 32, 32}, 17);
    train::WorldClipSource other_seed({9, 32, 32}, 18);
    QVERIFY(torch::equal(a.batch(0, 2).videos, b.batch(0, 2).videos));
    QCOMPARE(a.prompts(0, 20), b.prompts(0, 20));
    QVERIFY(a.prompts(0, 20) != other_seed.prompts(0, 20));
    const auto prompts = a.prompts(0, 50);
    QVERIFY(std::set<std::string>(prompts.begin(), prompts.end()).size() > 40);
  }
};

QTEST_GUILESS_MAIN(TestTrainWorldSource)
#include "test_train_world_source.moc"
