#include "attention/block_mask.h"
#include "attention/gilbert.h"
#include "core/error.h"

#include <QtTest>

#include <array>
#include <thread>

using namespace blade::attention;

namespace {

const std::vector<std::array<int64_t, 3>> kGrids = {{1, 1, 1},   {3, 5, 7},  {21, 30, 52}, {2, 17, 9}, {5, 1, 13},
                                                     {1, 30, 52}, {4, 4, 4},  {7, 7, 7},    {13, 2, 31}, {2, 3, 5},
                                                     {8, 6, 4},   {1, 1, 19}, {16, 1, 1},   {6, 11, 2}};

}  // namespace

class TestAsaGilbert : public QObject {
  Q_OBJECT
 private slots:
  void order_is_a_bijection_of_the_grid() {
    for (const auto& g : kGrids) {
      const auto order = gilbert_order(g[0], g[1], g[2]);
      const int64_t n = g[0] * g[1] * g[2];
      QCOMPARE(int64_t(order.size()), n);
      std::vector<char> seen(size_t(n), 0);
      for (int64_t idx : order) {
        QVERIFY(idx >= 0 && idx < n);
        QVERIFY2(!seen[size_t(idx)], "raster index visited twice");
        seen[size_t(idx)] = 1;
      }
      const auto inverse = invert_permutation(order);
      for (int64_t i = 0; i < n; ++i) QCOMPARE(inverse[size_t(order[size_t(i)])], i);
    }
  }

  void consecutive_cells_are_neighbours() {
    int64_t steps = 0, unit_steps = 0;
    for (const auto& g : kGrids) {
      const auto order = gilbert_order(g[0], g[1], g[2]);
      int64_t grid_unit = 0;
      for (size_t i = 1; i < order.size(); ++i) {
        auto coord = [&](int64_t idx) {
          return std::array<int64_t, 3>{idx / (g[1] * g[2]), (idx / g[2]) % g[1], idx % g[2]};
        };
        const auto a = coord(order[i - 1]), b = coord(order[i]);
        const int64_t manhattan = std::llabs(a[0] - b[0]) + std::llabs(a[1] - b[1]) + std::llabs(a[2] - b[2]);
        QVERIFY2(manhattan <= 3, "a step jumps further than a diagonal");
        grid_unit += manhattan == 1;
      }
      const int64_t grid_steps = int64_t(order.size()) - 1;
      qInfo("grid %lldx%lldx%lld: %lld of %lld steps have Manhattan distance 1", (long long)g[0], (long long)g[1],
            (long long)g[2], (long long)grid_unit, (long long)grid_steps);
      if (g == std::array<int64_t, 3>{21, 30, 52}) QVERIFY(double(grid_unit) / double(grid_steps) >= 0.99);
      steps += grid_steps;
      unit_steps += grid_unit;
    }
    const double fraction = double(unit_steps) / double(steps);
    qInfo("all grids: %lld of %lld steps (%.6f) are unit steps", (long long)unit_steps, (long long)steps, fraction);
    QVERIFY(fraction >= 0.99);
  }

  void power_of_two_cube_has_no_diagonal_step() {
    const auto order = gilbert_order(8, 8, 8);
    for (size_t i = 1; i < order.size(); ++i) {
      const int64_t d = std::llabs(order[i] - order[i - 1]);
      QVERIFY(d == 1 || d == 8 || d == 64);
    }
  }

  void cached_permutation_matches_and_is_shared_across_threads() {
    const std::array<int64_t, 3> grid{3, 10, 11};
    std::vector<GilbertPermutation> got(4);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < got.size(); ++i) threads.emplace_back([&, i] { got[i] = gilbert_permutation(grid); });
    for (auto& t : threads) t.join();
    const auto expected = gilbert_order(3, 10, 11);
    const auto expected_tensor = torch::tensor(expected, torch::kInt64);
    for (const auto& p : got) {
      QVERIFY(torch::equal(p.order, expected_tensor));
      QVERIFY(torch::equal(p.inverse.index_select(0, p.order), torch::arange(330, torch::kInt64)));
      QCOMPARE(p.order.data_ptr(), got[0].order.data_ptr());
    }
  }

  void rejects_empty_grid() {
    QVERIFY_THROWS_EXCEPTION(blade::Error, gilbert_order(0, 3, 3));
  }

  void block_mask_bits_counts_and_index_agree() {
    torch::manual_seed(static_cast<uint64_t>(QRandomGenerator::global()->generate()));
    auto keep = torch::rand({2, 3, 5, 130}) < 0.3;  // more than two 64-bit words per row
    auto mask = BlockMask::from_tensor(keep);
    QVERIFY(torch::equal(mask.to_tensor(), keep));
    QCOMPARE(mask.words_per_row(), int64_t(3));
    QCOMPARE(mask.kept_count(), keep.sum().item<int64_t>());
    QCOMPARE(mask.kept_fraction(), keep.to(torch::kFloat64).mean().item<double>());
    const auto per_head = mask.kept_fraction_per_head();
    const auto head_ref = keep.to(torch::kFloat64).mean({0, 2, 3});
    for (int64_t h = 0; h < 3; ++h) QVERIFY(std::abs(per_head[size_t(h)] - head_ref[h].item<double>()) < 1e-12);
    const auto per_row = mask.kept_fraction_per_row();
    const auto row_ref = keep.to(torch::kFloat64).mean(3).flatten();
    for (int64_t r = 0; r < mask.rows(); ++r) QVERIFY(std::abs(per_row[size_t(r)] - row_ref[r].item<double>()) < 1e-12);

    const auto index = mask.to_index();
    auto rebuilt = torch::zeros({mask.rows(), 130}, torch::kBool);
    for (int64_t r = 0; r < mask.rows(); ++r) {
      int64_t previous = -1;
      for (int64_t i = index.offsets[r].item<int64_t>(); i < index.offsets[r + 1].item<int64_t>(); ++i) {
        const int64_t kb = index.indices[i].item<int64_t>();
        QVERIFY(kb > previous);  // ascending
        previous = kb;
        rebuilt[r][kb] = true;
      }
    }
    QVERIFY(torch::equal(rebuilt.view({2, 3, 5, 130}), keep));

    mask.set(1, 2, 4, 129, true);
    QVERIFY(mask.kept(1, 2, 4, 129));
    mask.set(1, 2, 4, 129, false);
    QVERIFY(!mask.kept(1, 2, 4, 129));
    QCOMPARE(BlockMask::all_kept(1, 2, 3, 70).kept_fraction(), 1.0);
  }
};

QTEST_APPLESS_MAIN(TestAsaGilbert)
#include "test_asa_gilbert.moc"
