// Mask pictures: heatmap values, the layer x head grid and the projection of query-block kept
// fractions onto frames through the inverse Gilbert order, checked on fresh random masks against
// a direct computation from gilbert_order.

#include "attention/gilbert.h"
#include "core/error.h"
#include "gui_test_util.h"
#include "ui/frame_view.h"
#include "ui/mask_inspector.h"
#include "ui/mask_rendering.h"
#include "ui/worker_observer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace blade;
using namespace blade::ui;

namespace {

// A random mask in the engine's own statistics format, turned into a snapshot the way the worker does.
AttentionCallSnapshot random_call(std::array<int64_t, 3> grid, int64_t heads, int64_t block_size, uint32_t seed) {
  std::mt19937 random(seed);
  const int64_t tokens = grid[0] * grid[1] * grid[2];
  const int64_t blocks = (tokens + block_size - 1) / block_size;
  attention::AttentionCallStats stats;
  stats.info.layer = 3;
  stats.info.step = 1;
  stats.info.grid = grid;
  stats.backend = "asa";
  stats.heads = heads;
  stats.tokens = tokens;
  stats.batch = 2;  // the snapshot keeps batch 0 only
  stats.block_size = block_size;
  stats.query_blocks = stats.key_blocks = blocks;
  stats.mask_words_per_row = (blocks + 63) / 64;
  stats.mask_words.assign(static_cast<size_t>(2 * heads * blocks * stats.mask_words_per_row), 0);
  int64_t kept_total = 0;
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t q = 0; q < blocks; ++q) {
        const int64_t row = (b * heads + h) * blocks + q;
        int64_t kept = 0;
        for (int64_t k = 0; k < blocks; ++k) {
          if (random() % 3 == 0) {
            stats.mask_words[row * stats.mask_words_per_row + k / 64] |= uint64_t{1} << (k % 64);
            ++kept;
          }
        }
        stats.kept_fraction_per_query_block.push_back(static_cast<double>(kept) / blocks);
        if (b == 0) kept_total += kept;
      }
    }
  }
  for (int64_t h = 0; h < heads; ++h) {
    double sum = 0;
    for (int64_t q = 0; q < blocks; ++q) sum += stats.kept_fraction_per_query_block[h * blocks + q];
    stats.kept_fraction_per_head.push_back(sum / blocks);
  }
  stats.kept_fraction = static_cast<double>(kept_total) / (heads * blocks * blocks);
  return snapshot_of(stats);
}

}  // namespace

class TestMaskRendering : public QObject {
  Q_OBJECT

 private slots:
  void heatmap_matrix_matches_the_bits() {
    const auto call = random_call({3, 6, 10}, 3, 16, 11);
    for (int64_t head = 0; head < call.heads; ++head) {
      const cv::Mat m = block_mask_matrix(call, head);
      QCOMPARE(m.rows, static_cast<int>(call.query_blocks));
      QCOMPARE(m.cols, static_cast<int>(call.key_blocks));
      for (int64_t q = 0; q < call.query_blocks; ++q) {
        for (int64_t k = 0; k < call.key_blocks; ++k) {
          QCOMPARE(m.at<float>(static_cast<int>(q), static_cast<int>(k)), call.kept(head, q, k) ? 1.0f : 0.0f);
        }
      }
    }
    const cv::Mat mean = block_mask_matrix(call, -1);
    double expected = 0;
    for (int64_t h = 0; h < call.heads; ++h) expected += call.kept(h, 1, 2);
    QVERIFY(std::abs(mean.at<float>(1, 2) - expected / call.heads) < 1e-6);
    QVERIFY_THROWS_EXCEPTION(Error, block_mask_matrix(call, call.heads));
  }

  void kept_fraction_lands_on_the_tokens_of_its_block() {
    for (uint32_t seed : {1u, 2u, 3u}) {
      const std::array<int64_t, 3> grid{static_cast<int64_t>(2 + seed), 5, static_cast<int64_t>(7 + seed)};
      const auto call = random_call(grid, 2, 8, seed);
      // Direct: the i-th token along the curve is raster token order[i], in query block i / block_size.
      const auto order = attention::gilbert_order(grid[0], grid[1], grid[2]);
      for (int64_t head = -1; head < call.heads; ++head) {
        const auto per_token = kept_fraction_per_token(call, head);
        QCOMPARE(per_token.size(), order.size());
        for (size_t i = 0; i < order.size(); ++i) {
          const int64_t block = static_cast<int64_t>(i) / call.block_size;
          double expected = 0;
          if (head >= 0) {
            expected = call.kept_fraction_per_query[head * call.query_blocks + block];
          } else {
            for (int64_t h = 0; h < call.heads; ++h) expected += call.kept_fraction_per_query[h * call.query_blocks + block];
            expected /= call.heads;
          }
          QVERIFY(std::abs(per_token[order[i]] - expected) < 1e-6);
        }
      }
      const cv::Mat frame = kept_fraction_frame(call, 0, grid[0] - 1);
      QCOMPARE(frame.rows, static_cast<int>(grid[1]));
      QCOMPARE(frame.cols, static_cast<int>(grid[2]));
      const auto per_token = kept_fraction_per_token(call, 0);
      const int64_t last_frame_start = (grid[0] - 1) * grid[1] * grid[2];
      QCOMPARE(frame.at<float>(2, 3), per_token[last_frame_start + 2 * grid[2] + 3]);
    }
  }

  void grid_has_a_row_per_layer_and_grey_for_missing_layers() {
    StepSnapshot step;
    step.attention.push_back(random_call({2, 4, 4}, 3, 8, 5));  // layer 3
    const cv::Mat grid = kept_fraction_grid(step, 5, 3);
    QCOMPARE(grid.rows, 5);
    QCOMPARE(grid.cols, 3);
    for (int h = 0; h < 3; ++h) {
      QCOMPARE(grid.at<float>(3, h), static_cast<float>(step.attention[0].kept_fraction_per_head[h]));
      QVERIFY(std::isnan(grid.at<float>(0, h)));
    }
    const QImage image = colorize(grid);
    QCOMPARE(image.size(), QSize(3, 5));
    QCOMPARE(image.pixelColor(0, 0), QColor(110, 110, 110));
  }

  void colormap_runs_from_dark_to_bright() {
    const QImage legend = colormap_legend(64, 4);
    QCOMPARE(legend.size(), QSize(64, 4));
    QVERIFY(legend.pixelColor(0, 0).lightness() < 80);
    QVERIFY(legend.pixelColor(63, 0).lightness() > 120);
    QVERIFY(legend.pixelColor(63, 0).red() > 200);  // viridis ends in yellow
  }

  void inspector_shows_the_selection_and_saves_a_png() {
    auto step = std::make_shared<StepSnapshot>();
    step->index = 0;
    step->total = 2;
    QRandomGenerator random(9);
    for (int f = 0; f < 3; ++f) step->preview.push_back(test::random_image(12, 10, random));
    auto layer0 = random_call({3, 5, 6}, 2, 8, 21);
    layer0.layer = 0;
    auto layer1 = random_call({3, 5, 6}, 2, 8, 22);
    layer1.layer = 1;
    step->attention = {layer0, layer1};

    MaskInspector inspector;
    inspector.resize(900, 500);
    inspector.addStep(step);
    inspector.select(0, 1, 1);
    QCOMPARE(inspector.selectedLayer(), 1);
    QCOMPARE(inspector.selectedHead(), 1);
    QCOMPARE(inspector.heatmapView()->image(), colorize(block_mask_matrix(layer1, 1)));
    QCOMPARE(inspector.gridView()->image().size(), QSize(2, 2));
    inspector.setOverlayFrame(2);
    QCOMPARE(inspector.overlayView()->image(), step->preview[2]);
    QCOMPARE(inspector.overlayView()->overlay(), colorize(kept_fraction_frame(layer1, 1, 2)));

    // Clicking the grid picks layer (row) and head (column).
    emit inspector.gridView()->clicked(QPointF(0.2, 0.7));
    QCOMPARE(inspector.selectedLayer(), 1);
    QCOMPARE(inspector.selectedHead(), 0);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mask.png"));
    inspector.savePng(path);
    QImage saved(path);
    QVERIFY(!saved.isNull());
    QCOMPARE(saved.size(), inspector.renderReport().size());
    QVERIFY_THROWS_EXCEPTION(Error, inspector.savePng(dir.filePath(QStringLiteral("missing/folder/mask.png"))));
  }
};

QTEST_MAIN(TestMaskRendering)
#include "test_mask_rendering.moc"
