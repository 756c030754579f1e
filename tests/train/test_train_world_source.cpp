// The synthetic world as a clip source: deterministic per index, batches equal single clips, values
// in [-1, 1], prompts that the tokenizer corpus and the distiller read without rendering.

#include "test_tensors.h"
#include "train/world_clip_source.h"

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
