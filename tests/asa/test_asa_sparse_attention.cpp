#include "asa_reference.h"
#include "attention/asa_sparse_attention.h"
#include "test_tensors.h"

#include <QtTest>

using namespace blade::attention;
using blade::test::relative_error;

namespace {

struct Shape {
  int64_t batch, heads, tokens, dim, block;
};

// Runs the kernel into NaN-poisoned buffers so that any element it fails to write shows up.
// chunk_keys below the kept keys of a row exercises the online rescaling across chunks.
SparseForward run_poisoned(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const BlockMask& mask,
                           int64_t block, const GlobalTokens* global, int64_t chunk_keys = kSparseChunkKeys) {
  auto out = torch::full(q.sizes(), NAN, q.options());
  auto lse = torch::full({q.size(0), q.size(1), q.size(2)}, NAN, q.options());
  sparse_attention_forward_cpu_into(q, k, v, mask.to_index(), block, global, out, lse, chunk_keys);
  return {out, lse};
}

int64_t blocks(int64_t tokens, int64_t block) { return (tokens + block - 1) / block; }

}  // namespace

class TestAsaSparseAttention : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::manual_seed(static_cast<uint64_t>(QRandomGenerator::global()->generate())); }

  void keep_all_mask_equals_dense() {
    for (const auto& s : std::vector<Shape>{{2, 3, 300, 64, 64}, {1, 1, 257, 128, 128}, {1, 2, 50, 64, 128}}) {
      auto q = torch::randn({s.batch, s.heads, s.tokens, s.dim}), k = torch::randn_like(q), v = torch::randn_like(q);
      const int64_t n = blocks(s.tokens, s.block);
      auto mask = BlockMask::all_kept(s.batch, s.heads, n, n);
      auto got = run_poisoned(q, k, v, mask, s.block, nullptr);
      auto ref = blade::test::masked_attention_reference(q, k, v, torch::ones({s.batch, s.heads, s.tokens, s.tokens}, torch::kBool));
      const double err = relative_error(got.out, ref.out);
      QVERIFY2(err <= 1e-5, qPrintable(QString("out rel err %1").arg(err)));
      QVERIFY(relative_error(got.lse, ref.lse) <= 1e-6);
    }
  }

  void random_masks_equal_masked_dense() {
    // Heads from 1 to 40, head dims 64 and 128, batch > 1, lengths not multiples of the block.
    const std::vector<Shape> shapes = {{2, 1, 301, 64, 64}, {2, 5, 200, 128, 32}, {1, 40, 70, 64, 16}, {3, 2, 129, 64, 128}};
    double worst32 = 0.0, worst64 = 0.0;
    for (const auto& s : shapes) {
      for (double density : {0.2, 0.6}) {
        const int64_t n = blocks(s.tokens, s.block);
        auto mask = blade::test::random_block_mask(s.batch, s.heads, n, n, density);
        auto visible = blade::test::token_mask(mask, s.tokens, s.tokens, s.block);
        auto q = torch::randn({s.batch, s.heads, s.tokens, s.dim}, torch::kFloat64);
        auto k = torch::randn_like(q), v = torch::randn_like(q);
        auto ref = blade::test::masked_attention_reference(q, k, v, visible);
        for (int64_t chunk_keys : {kSparseChunkKeys, 2 * s.block}) {
          auto got64 = run_poisoned(q, k, v, mask, s.block, nullptr, chunk_keys);
          auto got32 = run_poisoned(q.to(torch::kFloat32), k.to(torch::kFloat32), v.to(torch::kFloat32), mask, s.block,
                                    nullptr, chunk_keys);
          worst64 = std::max({worst64, relative_error(got64.out, ref.out), relative_error(got64.lse, ref.lse)});
          worst32 = std::max({worst32, relative_error(got32.out, ref.out), relative_error(got32.lse, ref.lse)});
        }
      }
    }
    qInfo("masked dense: worst relative error float32 %.3g, float64 %.3g", worst32, worst64);
    QVERIFY(worst32 <= 1e-5);
    QVERIFY(worst64 <= 1e-12);
  }

  void global_tokens_equal_concatenated_softmax() {
    double worst32 = 0.0, worst64 = 0.0;
    for (const auto& s : std::vector<Shape>{{2, 3, 307, 64, 64}, {1, 2, 200, 128, 32}}) {
      for (int64_t group : {30, 7}) {  // 307 % 30 and 200 % 7 leave a tail group
        const int64_t n = blocks(s.tokens, s.block);
        auto mask = blade::test::random_block_mask(s.batch, s.heads, n, n, 0.3);
        auto q = torch::randn({s.batch, s.heads, s.tokens, s.dim}, torch::kFloat64);
        auto k = torch::randn_like(q), v = torch::randn_like(q);
        auto global = pool_global_tokens(k, v, group);
        QVERIFY(relative_error(global.keys, blade::test::pool_reference(k, group)) <= 1e-14);
        QVERIFY(relative_error(global.values, blade::test::pool_reference(v, group)) <= 1e-14);
        QVERIFY(relative_error(global.log_weight, blade::test::pool_log_weight_reference(s.tokens, group)) <= 1e-15);
        QCOMPARE(global.pool_group, group);  // the GPU forward works the bias out from it
        auto ref = blade::test::masked_attention_reference(q, k, v, blade::test::token_mask(mask, s.tokens, s.tokens, s.block),
                                                           blade::test::pool_reference(k, group),
                                                           blade::test::pool_reference(v, group),
                                                           blade::test::pool_log_weight_reference(s.tokens, group));
        for (int64_t chunk_keys : {kSparseChunkKeys, 2 * s.block}) {
          auto got64 = run_poisoned(q, k, v, mask, s.block, &global, chunk_keys);
          worst64 = std::max({worst64, relative_error(got64.out, ref.out), relative_error(got64.lse, ref.lse)});
        }
        GlobalTokens global32{global.keys.to(torch::kFloat32), global.values.to(torch::kFloat32),
                              global.log_weight.to(torch::kFloat32)};
        auto got32 = run_poisoned(q.to(torch::kFloat32), k.to(torch::kFloat32), v.to(torch::kFloat32), mask, s.block, &global32);
        worst32 = std::max({worst32, relative_error(got32.out, ref.out), relative_error(got32.lse, ref.lse)});
      }
    }
    qInfo("ASA-GT: worst relative error float32 %.3g, float64 %.3g", worst32, worst64);
    QVERIFY(worst32 <= 1e-5);
    QVERIFY(worst64 <= 1e-12);
  }

  void gradients_equal_autograd_of_reference() {
    struct Case { Shape s; bool global; };
    double worst32 = 0.0, worst64 = 0.0;
    for (const auto& c : std::vector<Case>{{{2, 3, 150, 64, 32}, false}, {{1, 2, 97, 128, 16}, true}, {{2, 1, 130, 64, 64}, true}}) {
      const auto& s = c.s;
      const int64_t n = blocks(s.tokens, s.block), group = 11;
      auto mask = blade::test::random_block_mask(s.batch, s.heads, n, n, 0.4);
      auto visible = blade::test::token_mask(mask, s.tokens, s.tokens, s.block);
      auto q0 = torch::randn({s.batch, s.heads, s.tokens, s.dim}, torch::kFloat64);
      auto k0 = torch::randn_like(q0), v0 = torch::randn_like(q0), grad = torch::randn_like(q0);

      auto qr = q0.clone().requires_grad_(), kr = k0.clone().requires_grad_(), vr = v0.clone().requires_grad_();
      auto ref = c.global ? blade::test::masked_attention_reference(qr, kr, vr, visible, blade::test::pool_reference(kr, group),
                                                                    blade::test::pool_reference(vr, group),
                                                                    blade::test::pool_log_weight_reference(s.tokens, group))
                          : blade::test::masked_attention_reference(qr, kr, vr, visible);
      ref.out.backward(grad);

      for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
        auto leaf = [dtype](const torch::Tensor& x) { return x.to(dtype).clone().requires_grad_(); };
        auto q = leaf(q0), k = leaf(k0), v = leaf(v0);
        GlobalTokens global;
        if (c.global) global = pool_global_tokens(k, v, group);
        auto got = block_sparse_attention(q, k, v, mask.to_index(), s.block, c.global ? &global : nullptr);
        QCOMPARE(got.out.scalar_type(), dtype);
        got.out.backward(grad.to(dtype));
        const double err = std::max({relative_error(got.out, ref.out), relative_error(q.grad(), qr.grad()),
                                     relative_error(k.grad(), kr.grad()), relative_error(v.grad(), vr.grad())});
        double& worst = dtype == torch::kFloat64 ? worst64 : worst32;
        worst = std::max(worst, err);
      }
    }
    qInfo("gradients: worst relative error float32 %.3g, float64 %.3g", worst32, worst64);
    QVERIFY(worst32 <= 1e-5);
    QVERIFY(worst64 <= 1e-10);
  }

  // The default chunk holds all kept keys of these shapes; one key block per chunk must give the
  // same gradients (the default path is checked against autograd above).
  void backward_over_several_chunks_equals_one_chunk() {
    const Shape s{2, 3, 150, 64, 16};
    const int64_t n = blocks(s.tokens, s.block);
    auto mask = blade::test::random_block_mask(s.batch, s.heads, n, n, 0.5);
    auto q = torch::randn({s.batch, s.heads, s.tokens, s.dim}, torch::kFloat64);
    auto k = torch::randn_like(q), v = torch::randn_like(q), grad = torch::randn_like(q);
    auto global = pool_global_tokens(k, v, 13);
    const auto index = mask.to_index();
    auto forward = sparse_attention_forward_cpu(q, k, v, index, s.block, &global);
    auto whole = sparse_attention_backward_cpu(q, k, v, index, s.block, &global, forward.out, forward.lse, grad);
    auto pieces = sparse_attention_backward_cpu(q, k, v, index, s.block, &global, forward.out, forward.lse, grad, s.block);
    for (auto [a, b] : {std::pair{whole.dq, pieces.dq}, {whole.dk, pieces.dk}, {whole.dv, pieces.dv},
                        {whole.global_dk, pieces.global_dk}, {whole.global_dv, pieces.global_dv}}) {
      QVERIFY(relative_error(b, a) <= 1e-12);
    }
  }

  // The kernel's worker threads must see the caller's InferenceMode: outputs created under it are
  // inference tensors, which may only be written in that mode.
  void runs_under_inference_mode_on_every_thread() {
    const Shape s{1, 8, 256, 64, 32};
    const int64_t n = blocks(s.tokens, s.block);
    auto mask = blade::test::random_block_mask(s.batch, s.heads, n, n, 0.3);
    auto q = torch::randn({s.batch, s.heads, s.tokens, s.dim}), k = torch::randn_like(q), v = torch::randn_like(q);
    auto ref = blade::test::masked_attention_reference(q, k, v, blade::test::token_mask(mask, s.tokens, s.tokens, s.block));
    c10::InferenceMode inference;
    auto got = block_sparse_attention(q, k, v, mask.to_index(), s.block, nullptr);
    QVERIFY(got.out.is_inference());
    QVERIFY(relative_error(got.out, ref.out) <= 1e-5);
  }

  void bfloat16_inputs_come_back_in_bfloat16() {
    auto q = torch::randn({1, 2, 100, 64}).to(torch::kBFloat16);
    auto mask = BlockMask::all_kept(1, 2, 4, 4);
    auto got = block_sparse_attention(q, q, q, mask.to_index(), 32);
    QCOMPARE(got.out.scalar_type(), torch::kBFloat16);
    auto ref = blade::test::masked_attention_reference(q, q, q, torch::ones({1, 2, 100, 100}, torch::kBool));
    QVERIFY(relative_error(got.out, ref.out) <= 1e-2);
  }
};

QTEST_APPLESS_MAIN(TestAsaSparseAttention)
#include "test_asa_sparse_attention.moc"
