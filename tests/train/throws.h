#pragma once
// True when `action` throws blade::Error (of `kind`, when given); the message of what it throws.

#include "core/error.h"

#include <functional>
#include <optional>
#include <string>

namespace blade::test {

inline bool throws_error(const std::function<void()>& action, std::optional<ErrorKind> kind = std::nullopt) {
  try {
    action();
  } catch (const Error& e) {
    return !kind || e.kind() == *kind;
  }
  return false;
}

// The message of the blade::Error of `kind` that `action` throws; empty when it throws none or one of
// another kind.
inline std::string error_message(const std::function<void()>& action, ErrorKind kind) {
  try {
    action();
  } catch (const Error& e) {
    if (e.kind() == kind) return e.what();
  }
  return {};
}

}  // namespace blade::test
