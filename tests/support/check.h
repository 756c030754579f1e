#pragma once
// A minimal assertion harness for the GPU tests, which run on a machine without Qt.
// CHECK(cond, fmt, args...) records a failure and goes on; main returns blade::test::exit_code().

#include <fmt/format.h>

#include <cstdio>

namespace blade::test {

inline int& failure_count() {
  static int count = 0;
  return count;
}

inline int exit_code() {
  if (failure_count() == 0) {
    std::puts("PASS");
    return 0;
  }
  std::printf("FAIL: %d check(s) failed\n", failure_count());
  return 1;
}

}  // namespace blade::test

#define BLADE_CHECK(cond, ...)                                                            \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      ++blade::test::failure_count();                                                     \
      fmt::print(stderr, "{}:{}: CHECK({}) failed: {}\n", __FILE__, __LINE__, #cond,     \
                 fmt::format(__VA_ARGS__));                                               \
    }                                                                                     \
  } while (0)
