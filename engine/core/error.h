#pragma once
// The one exception type of BLADE Studio. Every failure a user can cause is reported as a
// blade::Error whose kind decides how programs react (exit code, dialog) and whose message names
// what was expected and what was found.

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace blade {

enum class ErrorKind {
  InvalidArgument = 1,  // a bad request or command-line value
  BadWeights,           // a weights file or folder that cannot be used
  Io,                   // reading or writing a file failed (missing, full disk, permissions)
  Cancelled,            // the user asked to stop
  OutOfMemory,          // the device ran out of memory
  Unsupported,          // a feature this build or device does not have
  Internal,             // a bug: an invariant of the program does not hold
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message);
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

// Turns exceptions from LibTorch and the standard library into blade::Error, recognising device
// out-of-memory. `what_was_running` names the work in the message ("decoding 81 frames at 832x480").
[[noreturn]] void rethrow_as_blade_error(const std::string& what_was_running);

}  // namespace blade
