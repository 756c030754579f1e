#include "attention/asa_probe.h"
#include "core/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace blade::attention;

namespace {

// Straightforward float64 re-implementation of blade-method.md steps 3-4 with naive loops.
std::vector<double> reference_scores(const torch::Tensor& q, const torch::Tensor& k, const ProbeSamples& s, int64_t b,
                                     int64_t h, int64_t bs) {
  auto qa = q.to(torch::kFloat64).contiguous(), ka = k.to(torch::kFloat64).contiguous();
  const int64_t lq = q.size(2), lk = k.size(2), d = q.size(3);
  const int64_t nq = (lq + bs - 1) / bs, nk = (lk + bs - 1) / bs, per = s.query_offsets.size(2);
  const double* qp = qa.data_ptr<double>() + (b * q.size(1) + h) * lq * d;
  const double* kp = ka.data_ptr<double>() + (b * k.size(1) + h) * lk * d;
  std::vector<double> p(size_t(nq * nk), 0.0);
  for (int64_t i = 0; i < nq; ++i) {
    for (int64_t t = 0; t < per; ++t) {
      const int64_t row = std::min(i * bs + s.query_offsets[b][h][t].item<int64_t>(), lq - 1);
      std::vector<double> r(size_t(nk), -INFINITY);
      for (int64_t j = 0; j < nk; ++j) {
        for (int64_t c = 0; c < per; ++c) {
          const int64_t col = std::min(j * bs + s.key_offsets[b][h][c].item<int64_t>(), lk - 1);
          double dot = 0.0;
          for (int64_t x = 0; x < d; ++x) dot += qp[row * d + x] * kp[col * d + x];
          r[size_t(j)] = std::max(r[size_t(j)], dot / std::sqrt(double(d)));
        }
      }
      const double top = *std::max_element(r.begin(), r.end());
      for (int64_t j = 0; j < nk; ++j) p[size_t(i * nk + j)] = std::max(p[size_t(i * nk + j)], std::exp(r[size_t(j)] - top));
    }
    double sum = 0.0;
    for (int64_t j = 0; j < nk; ++j) sum += p[size_t(i * nk + j)];
    for (int64_t j = 0; j < nk; ++j) p[size_t(i * nk + j)] /= sum;
  }
  return p;
}

std::vector<bool> reference_selection(const double* row, int64_t n, const AsaSettings& s) {
  std::vector<std::pair<double, int64_t>> sorted;
  for (int64_t j = 0; j < n; ++j) sorted.push_back({row[j], j});
  std::sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  double total = 0.0;
  for (auto& e : sorted) total += e.first;
  int64_t paper = n;
  double cumulative = 0.0;
  for (int64_t c = 1; c <= n; ++c) {
    cumulative += sorted[size_t(c - 1)].first;
    if (cumulative >= s.tau * total) {
      paper = c;
      break;
    }
  }
  int64_t count = s.rule == ThresholdRule::Paper ? paper : paper - 1;
  const int64_t lo = std::max<int64_t>(1, int64_t(std::floor(n * s.min_keep)));
  const int64_t hi = std::max<int64_t>(1, int64_t(std::floor(n * s.max_keep)));
  count = std::min(std::max(count, lo), hi);
  std::vector<bool> keep(size_t(n), false);
  for (int64_t c = 0; c < count; ++c) keep[size_t(sorted[size_t(c)].second)] = true;
  return keep;
}

}  // namespace

class TestAsaProbe : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::manual_seed(static_cast<uint64_t>(QRandomGenerator::global()->generate())); }

  void samples_are_distinct_in_block_and_fresh_per_call() {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(QRandomGenerator::global()->generate());
    auto s1 = draw_probe_samples(2, 3, 64, 16, gen);
    auto s2 = draw_probe_samples(2, 3, 64, 16, gen);
    QCOMPARE(s1.query_offsets.sizes(), (c10::IntArrayRef{2, 3, 16}));
    QVERIFY(s1.query_offsets.min().item<int64_t>() >= 0 && s1.query_offsets.max().item<int64_t>() < 64);
    for (int64_t b = 0; b < 2; ++b) {
      for (int64_t h = 0; h < 3; ++h) {
        QCOMPARE(std::get<0>(at::_unique(s1.query_offsets[b][h])).numel(), int64_t(16));
        QCOMPARE(std::get<0>(at::_unique(s1.key_offsets[b][h])).numel(), int64_t(16));
      }
    }
    QVERIFY(!torch::equal(s1.query_offsets, s2.query_offsets));      // fresh per call
    QVERIFY(!torch::equal(s1.query_offsets[0][0], s1.query_offsets[1][2]));  // per (batch, head)
    auto a = draw_probe_samples(1, 2, 128, 32, at::make_generator<at::CPUGeneratorImpl>(7));
    auto b = draw_probe_samples(1, 2, 128, 32, at::make_generator<at::CPUGeneratorImpl>(7));
    QVERIFY(torch::equal(a.query_offsets, b.query_offsets) && torch::equal(a.key_offsets, b.key_offsets));
    // More probe tokens than block tokens: every offset once.
    auto all = draw_probe_samples(1, 1, 8, 16, gen);
    QVERIFY(torch::equal(all.key_offsets[0][0], torch::arange(8, torch::kInt64)));
  }

  void scores_and_mask_match_naive_reference() {
    struct Case { int64_t b, h, lq, lk, d, bs, per; double tau, lo, hi; ThresholdRule rule; };
    const std::vector<Case> cases = {
        {2, 3, 300, 300, 64, 32, 16, 0.95, 0.05, 0.17, ThresholdRule::Paper},
        {1, 2, 517, 517, 64, 32, 8, 0.90, 0.0, 1.0, ThresholdRule::Paper},
        {1, 2, 517, 517, 64, 32, 8, 0.90, 0.0, 1.0, ThresholdRule::Code},
        {2, 1, 250, 190, 128, 16, 16, 0.60, 0.1, 0.5, ThresholdRule::Code},
        {1, 4, 700, 700, 32, 64, 32, 0.99, 0.05, 0.3, ThresholdRule::Paper},
    };
    int64_t rows_checked = 0;
    for (const auto& c : cases) {
      // A little structure so that the threshold decides (pure noise is nearly uniform).
      auto q = torch::randn({c.b, c.h, c.lq, c.d}, torch::kFloat64) * 2.0;
      auto k = torch::randn({c.b, c.h, c.lk, c.d}, torch::kFloat64) * 2.0;
      AsaSettings s;
      s.block_size = int(c.bs);
      s.probe_tokens = int(c.per);
      s.tau = c.tau;
      s.min_keep = c.lo;
      s.max_keep = c.hi;
      s.rule = c.rule;
      auto result = run_probe(q, k, s, at::make_generator<at::CPUGeneratorImpl>(QRandomGenerator::global()->generate()));
      const int64_t nq = result.mask.query_blocks(), nk = result.mask.key_blocks();
      QCOMPARE(nq, (c.lq + c.bs - 1) / c.bs);
      QCOMPARE(nk, (c.lk + c.bs - 1) / c.bs);
      for (int64_t b = 0; b < c.b; ++b) {
        for (int64_t h = 0; h < c.h; ++h) {
          const auto ref = reference_scores(q, k, result.samples, b, h, c.bs);
          auto ref_tensor = torch::from_blob(const_cast<double*>(ref.data()), {nq, nk}, torch::kFloat64);
          const double score_error = (result.scores[b][h] - ref_tensor).abs().max().item<double>();
          // float64 both; the probe's matrix products sum in another order than the loops above
          // (differences up to 1e-10 seen), where any wrong score would be off by far more.
          QVERIFY2(score_error < 1e-9, qPrintable(QString("largest score difference %1").arg(score_error)));
          for (int64_t i = 0; i < nq; ++i) {
            const auto keep = reference_selection(ref.data() + i * nk, nk, s);
            for (int64_t j = 0; j < nk; ++j) QCOMPARE(result.mask.kept(b, h, i, j), bool(keep[size_t(j)]));
            ++rows_checked;
          }
        }
      }
    }
    qInfo("probe: %lld query-block rows agree with the naive reference", (long long)rows_checked);
  }

  void code_rule_keeps_one_block_fewer_than_paper_rule() {
    AsaSettings paper, code;
    paper.min_keep = code.min_keep = 0.0;
    paper.max_keep = code.max_keep = 1.0;
    code.rule = ThresholdRule::Code;
    for (int trial = 0; trial < 50; ++trial) {
      auto row = torch::rand({40}, torch::kFloat64).pow(6);
      row = std::get<0>(row.div(row.sum()).sort(0, true));
      std::vector<double> sorted(row.data_ptr<double>(), row.data_ptr<double>() + 40);
      const int64_t p = kept_block_count(sorted, paper), c = kept_block_count(sorted, code);
      QCOMPARE(c, std::max<int64_t>(p - 1, 1));
    }
    // The clamp: [max(1, floor(n * min)), max(1, floor(n * max))].
    AsaSettings wan;  // min 0.05, max 0.17
    std::vector<double> flat(256, 1.0 / 256);
    QCOMPARE(kept_block_count(flat, wan), int64_t(43));  // floor(256 * 0.17)
    std::vector<double> peaked(256, 0.0);
    peaked[0] = 1.0;
    QCOMPARE(kept_block_count(peaked, wan), int64_t(12));  // floor(256 * 0.05)
  }

  void fixed_sparsity_keeps_exact_count_of_top_blocks() {
    struct Case { double sparsity; int64_t blocks; int64_t expected; };
    for (const auto& c : std::vector<Case>{{0.9, 10, 1}, {0.9, 37, 4}, {0.5, 37, 19}, {0.0, 37, 37}, {0.99, 37, 1},
                                           {0.75, 8, 2}, {0.8, 5, 1}, {0.95, 256, 13}}) {
      AsaSettings s;
      s.fixed_sparsity = c.sparsity;
      auto scores = torch::rand({2, 2, 3, c.blocks}, torch::kFloat64);
      auto mask = select_blocks(scores, s);
      for (int64_t r = 0; r < mask.rows(); ++r) QCOMPARE(mask.kept_count_in_row(r), c.expected);
      // The kept ones are the largest.
      auto keep = mask.to_tensor();
      auto min_kept = scores.masked_fill(keep.logical_not(), 2.0).amin(-1);
      auto max_dropped = scores.masked_fill(keep, -1.0).amax(-1);
      QVERIFY((min_kept > max_dropped).all().item<bool>());
    }
    AsaSettings bad;
    bad.fixed_sparsity = 1.0;
    QVERIFY_THROWS_EXCEPTION(blade::Error, select_blocks(torch::rand({1, 1, 1, 4}), bad));
  }

  void float32_probe_agrees_with_float64() {
    auto q = torch::randn({1, 2, 600, 64}) * 2.0, k = torch::randn({1, 2, 600, 64}) * 2.0;
    AsaSettings s;
    s.block_size = 32;
    auto samples = draw_probe_samples(1, 2, 32, 16, at::make_generator<at::CPUGeneratorImpl>(3));
    auto p32 = probe_block_scores(q, k, samples, 32);
    auto p64 = probe_block_scores(q.to(torch::kFloat64), k.to(torch::kFloat64), samples, 32);
    QCOMPARE(p32.scalar_type(), torch::kFloat32);
    QVERIFY((p32.to(torch::kFloat64) - p64).abs().max().item<double>() < 1e-5);
  }
};

QTEST_APPLESS_MAIN(TestAsaProbe)
#include "test_asa_probe.moc"
