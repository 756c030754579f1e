#include "attention/attention_backend.h"
#include "test_tensors.h"

#include <QtTest>

class TestDenseAttention : public QObject {
  Q_OBJECT
 private slots:
  void matches_float64_softmax_reference() {
    torch::manual_seed(static_cast<uint64_t>(QRandomGenerator::global()->generate()));
    for (int64_t heads : {1, 3}) {
      for (int64_t head_dim : {12, 64}) {
        auto q = torch::randn({2, heads, 37, head_dim});
        auto k = torch::randn({2, heads, 37, head_dim});
        auto v = torch::randn({2, heads, 37, head_dim});
        auto qd = q.to(torch::kFloat64), kd = k.to(torch::kFloat64), vd = v.to(torch::kFloat64);
        auto ref = torch::softmax(torch::matmul(qd, kd.transpose(-1, -2)) / std::sqrt(double(head_dim)), -1).matmul(vd);
        blade::attention::DenseAttention dense;
        auto out = dense.forward(q, k, v, {});
        QVERIFY2(blade::test::relative_error(out, ref) <= 1e-5,
                 qPrintable(QString::number(blade::test::relative_error(out, ref))));
      }
    }
  }

  void reports_each_call_to_the_observer() {
    struct Recorder : blade::attention::AttentionObserver {
      std::vector<blade::attention::AttentionCallStats> calls;
      void on_attention_call(const blade::attention::AttentionCallStats& s) override { calls.push_back(s); }
    } recorder;
    blade::attention::DenseAttention dense;
    dense.set_observer(&recorder);
    auto x = torch::randn({1, 2, 8, 16});
    dense.forward(x, x, x, {.layer = 4, .step = 2, .grid = {2, 2, 2}});
    QCOMPARE(recorder.calls.size(), size_t(1));
    QCOMPARE(recorder.calls[0].info.layer, 4);
    QCOMPARE(recorder.calls[0].tokens, int64_t(8));
    QCOMPARE(recorder.calls[0].backend, std::string("dense"));
  }
};

QTEST_APPLESS_MAIN(TestDenseAttention)
#include "test_dense_attention.moc"
