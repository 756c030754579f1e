#include "core/cancel.h"
#include "core/device.h"
#include "core/error.h"

#include <QtTest>

using blade::ErrorKind;

class TestCore : public QObject {
  Q_OBJECT
 private slots:
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
