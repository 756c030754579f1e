#include "asa_reference.h"
#include "attention/asa_attention.h"
#include "attention/attention_factory.h"
#include "attention/gilbert.h"
#include "core/error.h"
#include "test_tensors.h"

#include <QtTest>

#include <bit>

using namespace blade::attention;
using blade::test::relative_error;

namespace {

struct Recorder : AttentionObserver {
  std::vector<AttentionCallStats> calls;
  void on_attention_call(const AttentionCallStats& s) override { calls.push_back(s); }
};

// The mask a back end reported, rebuilt from the bit-packed words.
BlockMask mask_from_stats(const AttentionCallStats& s) {
  BlockMask mask(s.batch, s.heads, s.query_blocks, s.key_blocks);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.heads; ++h)
      for (int64_t qb = 0; qb < s.query_blocks; ++qb)
        for (int64_t kb = 0; kb < s.key_blocks; ++kb) {
          const int64_t row = (b * s.heads + h) * s.query_blocks + qb;
          const uint64_t word = s.mask_words[size_t(row * s.mask_words_per_row + kb / 64)];
          mask.set(b, h, qb, kb, (word >> (kb % 64)) & 1U);
        }
  return mask;
}

// Reference of a whole back-end call: reorder, masked dense [+ pooled tokens], reorder back.
torch::Tensor backend_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const BlockMask& mask,
                                int64_t block, const std::array<int64_t, 3>* grid, int64_t group) {
  torch::Tensor qg = q, kg = k, vg = v;
  torch::Tensor order, inverse;
  if (grid) {
    const auto forward_order = gilbert_order((*grid)[0], (*grid)[1], (*grid)[2]);
    order = torch::tensor(forward_order, torch::kInt64);
    inverse = torch::tensor(invert_permutation(forward_order), torch::kInt64);
    qg = q.index_select(2, order), kg = k.index_select(2, order), vg = v.index_select(2, order);
  }
  const int64_t tokens = q.size(2);
  auto visible = blade::test::token_mask(mask, tokens, tokens, block);
  auto ref = group > 0 ? blade::test::masked_attention_reference(qg, kg, vg, visible, blade::test::pool_reference(kg, group),
                                                                 blade::test::pool_reference(vg, group),
                                                                 blade::test::pool_log_weight_reference(tokens, group))
                       : blade::test::masked_attention_reference(qg, kg, vg, visible);
  return grid ? ref.out.index_select(2, inverse) : ref.out;
}

AsaSettings small_settings() {
  AsaSettings s;
  s.block_size = 16;
  s.probe_tokens = 4;
  s.min_keep = 0.1;
  s.max_keep = 0.5;
  s.pool_tokens = 8;
  return s;
}

}  // namespace

class TestAsaBackend : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::manual_seed(static_cast<uint64_t>(QRandomGenerator::global()->generate())); }

  void backends_equal_reference_on_their_reported_mask() {
    const std::array<int64_t, 3> grid{3, 5, 7};  // 105 tokens, 7 blocks of 16 (tail of 9)
    for (const std::string name : {"asa", "asa-gt"}) {
      for (bool use_grid : {true, false}) {
        auto backend = make_attention_backend(name, small_settings());
        QCOMPARE(backend->name(), name);
        Recorder recorder;
        backend->set_observer(&recorder);
        auto q = torch::randn({2, 3, 105, 64}), k = torch::randn_like(q), v = torch::randn_like(q);
        AttentionCallInfo info{.layer = 1, .step = 0, .grid = use_grid ? grid : std::array<int64_t, 3>{2, 2, 2}};
        auto out = backend->forward(q, k, v, info);
        QCOMPARE(recorder.calls.size(), size_t(1));
        const auto& stats = recorder.calls[0];
        QCOMPARE(stats.backend, name);
        QCOMPARE(stats.query_blocks, int64_t(7));
        const auto mask = mask_from_stats(stats);
        QCOMPARE(stats.kept_fraction, mask.kept_fraction());
        QVERIFY(stats.kept_fraction < 1.0);  // max_keep 0.5 leaves something out
        int64_t bits = 0;
        for (uint64_t w : stats.mask_words) bits += std::popcount(w);
        QCOMPARE(double(bits) / double(stats.batch * stats.heads * stats.query_blocks * stats.key_blocks), stats.kept_fraction);
        QCOMPARE(stats.kept_fraction_per_head.size(), size_t(3));
        QCOMPARE(stats.kept_fraction_per_query_block.size(), size_t(2 * 3 * 7));
        double mean_head = 0.0;
        for (double f : stats.kept_fraction_per_head) mean_head += f / 3.0;
        QVERIFY(std::abs(mean_head - stats.kept_fraction) < 1e-12);
        QVERIFY(stats.probe_ms >= 0.0 && stats.kernel_ms > 0.0);
        const int64_t group = name == "asa-gt" ? 8 : 0;
        auto ref = backend_reference(q, k, v, mask, 16, use_grid ? &grid : nullptr, group);
        const double err = relative_error(out, ref);
        QVERIFY2(err <= 1e-5, qPrintable(QString("%1 grid %2: rel err %3").arg(name.c_str()).arg(use_grid).arg(err)));
      }
    }
  }

  void gradients_flow_through_reorder_and_pooling() {
    const std::array<int64_t, 3> grid{2, 6, 9};  // 108 tokens
    for (const std::string name : {"asa", "asa-gt"}) {
      auto backend = make_attention_backend(name, small_settings());
      Recorder recorder;
      backend->set_observer(&recorder);
      auto q = torch::randn({1, 2, 108, 64}, torch::kFloat64).requires_grad_();
      auto k = torch::randn_like(q).requires_grad_(), v = torch::randn_like(q).requires_grad_();
      auto grad = torch::randn_like(q);
      backend->forward(q, k, v, {.grid = grid}).backward(grad);
      auto qr = q.detach().clone().requires_grad_(), kr = k.detach().clone().requires_grad_(),
           vr = v.detach().clone().requires_grad_();
      backend_reference(qr, kr, vr, mask_from_stats(recorder.calls[0]), 16, &grid, name == "asa-gt" ? 8 : 0).backward(grad);
      const double err = std::max({relative_error(q.grad(), qr.grad()), relative_error(k.grad(), kr.grad()),
                                   relative_error(v.grad(), vr.grad())});
      QVERIFY2(err <= 1e-10, qPrintable(QString("%1: gradient rel err %2").arg(name.c_str()).arg(err)));
    }
  }

  void seeded_settings_are_reproducible() {
    AsaSettings s = small_settings();
    s.seed = 42;
    s.max_keep = 0.3;
    auto q = torch::randn({1, 4, 256, 64}), k = torch::randn_like(q), v = torch::randn_like(q);
    auto run = [&](AttentionBackend& backend) {
      Recorder recorder;
      backend.set_observer(&recorder);
      backend.forward(q, k, v, {});
      backend.forward(q, k, v, {});
      return recorder.calls;
    };
    AsaAttention a(s), b(s);
    const auto ca = run(a), cb = run(b);
    QVERIFY(ca[0].mask_words == cb[0].mask_words && ca[1].mask_words == cb[1].mask_words);
  }

  void fixed_sparsity_mode_reports_its_fraction() {
    AsaSettings s = small_settings();
    s.fixed_sparsity = 0.75;  // 16 key blocks -> 4 kept
    AsaGtAttention backend(s);
    Recorder recorder;
    backend.set_observer(&recorder);
    auto q = torch::randn({2, 2, 256, 64});
    backend.forward(q, q, q, {});
    QCOMPARE(recorder.calls[0].kept_fraction, 0.25);
    QCOMPARE(recorder.calls[0].global_fraction, 1.0 / 8.0);
  }

  void factory_knows_the_names_and_rejects_others() {
    QCOMPARE(make_attention_backend("dense")->name(), std::string("dense"));
    QCOMPARE(make_attention_backend("asa")->name(), std::string("asa"));
    QCOMPARE(make_attention_backend("asa-gt")->name(), std::string("asa-gt"));
    try {
      make_attention_backend("flash");
      QFAIL("no exception");
    } catch (const blade::Error& e) {
      QCOMPARE(e.kind(), blade::ErrorKind::InvalidArgument);
      QVERIFY(std::string(e.what()).find("dense, asa, asa-gt") != std::string::npos);
    }
    AsaSettings bad;
    bad.tau = 1.5;
    QVERIFY_THROWS_EXCEPTION(blade::Error, make_attention_backend("asa", bad));
  }
};

QTEST_APPLESS_MAIN(TestAsaBackend)
#include "test_asa_backend.moc"
