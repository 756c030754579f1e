#pragma once
// Helpers shared by the io tests: raw file images and checks on blade::Error messages.

#include "core/error.h"

#include <QtTest>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>

namespace blade::test {

// A safetensors file image: 8-byte little-endian length, `header`, then `data`.
inline std::string safetensors_image(const std::string& header, const std::string& data = {}) {
  std::string bytes(8, '\0');
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  return bytes + header + data;
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

// Runs `action`, which must throw blade::Error of `kind` whose message contains every `needle`.
// Returns what went wrong (empty when all is as expected); `message` receives the error's text.
inline std::string error_problem(ErrorKind kind, const std::function<void()>& action,
                                 std::initializer_list<std::string> needles,
                                 std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& e) {
    const std::string text = e.what();
    if (message) *message = text;
    if (e.kind() != kind) return std::string("wrong error kind '") + to_string(e.kind()) + "': " + text;
    for (const std::string& needle : needles) {
      if (text.find(needle) == std::string::npos) return "message lacks '" + needle + "': " + text;
    }
    return {};
  } catch (const std::exception& e) {
    return std::string("not a blade::Error: ") + e.what();
  }
  return "no error was thrown";
}

}  // namespace blade::test

// EXPECT_BLADE_ERROR(ErrorKind::BadWeights, statement, {"needle", ...}) fails the test function
// unless `statement` throws that kind of blade::Error with every needle in its message.
#define EXPECT_BLADE_ERROR(kind, statement, ...)                                               \
  do {                                                                                      \
    const std::string blade_problem_ =                                                      \
        blade::test::error_problem(kind, [&] { statement; }, __VA_ARGS__);                  \
    if (!blade_problem_.empty()) QFAIL(blade_problem_.c_str());                             \
  } while (0)
