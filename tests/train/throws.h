#pragma once
// True when `action` throws blade::Error (of `kind`, when given).

#include "core/error.h"

#include <functional>
#include <optional>

namespace blade::test {

inline bool throws_error(const std::function<void()>& action, std::optional<ErrorKind> kind = std::nullopt) {
  try {
    action();
  } catch (const Error& e) {
    return !kind || e.kind() == *kind;
  }
  return false;
}

}  // namespace blade::test
