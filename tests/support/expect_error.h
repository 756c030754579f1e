#pragma once
// Asserts that an action throws blade::Error of one kind whose message contains every given part.

#include "core/error.h"

#include <QtTest>

#include <functional>
#include <string>
#include <vector>

namespace blade::test {

inline void expect_error(ErrorKind kind, const std::vector<std::string>& parts, const std::function<void()>& action) {
  try {
    action();
    QFAIL(qPrintable(QString("expected a blade::Error of kind %1").arg(to_string(kind))));
  } catch (const Error& e) {
    QVERIFY2(e.kind() == kind, qPrintable(QString("kind %1: %2").arg(to_string(e.kind()), e.what())));
    for (const auto& part : parts) {
      QVERIFY2(std::string(e.what()).find(part) != std::string::npos,
               qPrintable(QString("'%1' not in: %2").arg(part.c_str(), e.what())));
    }
  }
}

}  // namespace blade::test
