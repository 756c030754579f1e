#include "core/cancel.h"
#include "core/clip.h"
#include "core/device.h"
#include "core/error.h"
#include "core/op_profile.h"
#include "core/profile_scope.h"

#include <QtTest>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

using blade::ErrorKind;

class TestCore : public QObject {
  Q_OBJECT
 private slots:
  void op_profile_counts_each_operator_and_sorts_by_time() {
    const auto a = torch::randn({256, 256});
    const auto b = torch::randn({256, 256});
    const auto profile = blade::profile_ops([&] {
      for (int i = 0; i < 3; ++i) (void)at::mm(a, b);
      (void)at::relu(a);
    }, c10::DeviceType::CPU);
    const auto find = [&](const std::string& name) {
      return std::find_if(profile.ops.begin(), profile.ops.end(), [&](const auto& op) { return op.name == name; });
    };
    QVERIFY(find("aten::mm") != profile.ops.end());
    QCOMPARE(find("aten::mm")->calls, int64_t{3});
    QVERIFY(find("aten::mm")->total_ms > 0.0);
    QVERIFY(find("aten::relu") != profile.ops.end());
    QCOMPARE(find("aten::relu")->calls, int64_t{1});
    double sum = 0.0;
    for (size_t i = 0; i < profile.ops.size(); ++i) {
      sum += profile.ops[i].total_ms;
      if (i > 0) QVERIFY(profile.ops[i - 1].total_ms >= profile.ops[i].total_ms);
    }
    QVERIFY(std::abs(sum - profile.total_ms) <= 1e-9 * std::max(1.0, sum));
    QCOMPARE(blade::short_op_name("abcdefghij", 8), std::string("abcde..."));
    QCOMPARE(blade::short_op_name("abc", 8), std::string("abc"));
  }

  void op_profile_by_caller_names_the_enclosing_scope_and_operators() {
    const auto a = torch::randn({64, 32});
    const auto b = torch::randn({32, 48});
    const auto profile = blade::profile_ops([&] {
      {
        BLADE_PROFILE_SCOPE("blade::test_outer");
        (void)at::matmul(a, b);
        (void)at::matmul(a, b);
      }
      (void)at::mm(a, b);
    }, c10::DeviceType::CPU, /*by_caller=*/true);
    const auto find = [&](const std::string& name, const std::string& caller) {
      return std::find_if(profile.ops.begin(), profile.ops.end(),
                          [&](const auto& op) { return op.name == name && op.caller == caller; });
    };
    // The mm inside matmul is found through matmul, under the scope, with matmul's input shapes.
    const auto scoped = find("aten::mm", "blade::test_outer > aten::matmul > aten::mm [64,32] [32,48]");
    QVERIFY2(scoped != profile.ops.end(), "no aten::mm entry under blade::test_outer > aten::matmul");
    QCOMPARE(scoped->calls, int64_t{2});
    const auto bare = find("aten::mm", "(no blade scope) > aten::mm [64,32] [32,48]");
    QVERIFY2(bare != profile.ops.end(), "no aten::mm entry outside the scope");
    QCOMPARE(bare->calls, int64_t{1});
    // Without callers the same work is one entry per name.
    const auto plain = blade::profile_ops([&] { (void)at::matmul(a, b); }, c10::DeviceType::CPU);
    for (const auto& op : plain.ops) QVERIFY(op.caller.empty());
  }

  void op_profile_stops_the_profiler_when_the_work_throws() {
    QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                             blade::profile_ops([] { throw std::runtime_error("boom"); }, c10::DeviceType::CPU));
    // A second profile would fail if the first had left the profiler on.
    const auto profile = blade::profile_ops([] { (void)at::relu(torch::ones({4})); }, c10::DeviceType::CPU);
    QVERIFY(!profile.ops.empty());
  }

  void cancel_token_throws_and_is_heard() {
    blade::CancelToken token;
    token.throw_if_requested("before the request");
    QVERIFY(!token.heard());
    token.request();
    try {
      token.throw_if_requested("at step 3");
      QFAIL("expected a Cancelled error");
    } catch (const blade::Error& e) {
      QCOMPARE(e.kind(), ErrorKind::Cancelled);
      QVERIFY(std::string(e.what()).find("at step 3") != std::string::npos);
    }
    QVERIFY(token.heard());
    token.reset();
    QVERIFY(!token.requested());
  }

  void device_and_dtype_names_parse() {
    QVERIFY(blade::parse_device("cpu").is_cpu());
    QCOMPARE(blade::parse_dtype("bf16"), torch::kBFloat16);
    QCOMPARE(blade::parse_dtype("f32"), torch::kFloat32);
    for (const char* bad : {"gpu", "cuda:x", "tpu"}) {
      try {
        blade::parse_device(bad);
        QFAIL(qPrintable(QString("device '%1' was accepted").arg(bad)));
      } catch (const blade::Error& e) {
        QVERIFY(e.kind() == ErrorKind::InvalidArgument || e.kind() == ErrorKind::Unsupported);
        QVERIFY(std::string(e.what()).find(bad) != std::string::npos);
      }
    }
    QVERIFY_THROWS_EXCEPTION(blade::Error, blade::parse_dtype("int7"));
  }

  void video_frames_round_like_diffusers_and_leave_the_video_alone() {
    // [1, 3, 2 frames, 1, 2]: values across the clamp edges and the rounding ties.
    const auto video = torch::tensor({-1.5, -1.0, 0.0, 1.0 / 255.0, 1.0, 2.0, 0.5, -0.5, 0.25, -0.25, 0.75, 0.1},
                                     torch::kFloat32)
                           .view({1, 3, 2, 1, 2});
    const auto before = video.clone();
    const auto frames = blade::video_to_uint8_frames(video);
    QVERIFY(torch::equal(video, before));
    QCOMPARE(frames.sizes().vec(), (std::vector<int64_t>{2, 1, 2, 3}));
    QCOMPARE(frames.scalar_type(), torch::kUInt8);
    const auto expected = ((before[0].to(torch::kFloat64) / 2 + 0.5).clamp(0, 1) * 255).round().to(torch::kUInt8);
    QVERIFY(torch::equal(frames, expected.permute({1, 2, 3, 0})));
    QCOMPARE(frames[0][0][0][0].item<int>(), 0);    // -1.5 clamps to black
    QCOMPARE(frames[0][0][1][1].item<int>(), 255);  // 2.0 clamps to white (frame 0, x 1, green)
  }

  void out_of_memory_is_named() {
    try {
      try {
        throw std::bad_alloc();
      } catch (...) {
        blade::rethrow_as_blade_error("decoding 81 frames");
      }
    } catch (const blade::Error& e) {
      QCOMPARE(e.kind(), ErrorKind::OutOfMemory);
      QVERIFY(std::string(e.what()).find("decoding 81 frames") != std::string::npos);
    }
  }
};

QTEST_APPLESS_MAIN(TestCore)
#include "test_core.moc"
