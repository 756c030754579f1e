#include "core/error.h"

#include <c10/util/Exception.h>

#include <new>

namespace blade {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidArgument: return "invalid argument";
    case ErrorKind::BadWeights: return "bad weights";
    case ErrorKind::Io: return "i/o error";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::OutOfMemory: return "out of memory";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::Internal: return "internal error";
  }
  return "error";
}

Error::Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

void rethrow_as_blade_error(const std::string& what_was_running) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    fail(ErrorKind::OutOfMemory,
         "the GPU ran out of memory while {} - try a smaller size or fewer frames ({})",
         what_was_running, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    fail(ErrorKind::OutOfMemory,
         "the computer ran out of memory while {} - try a smaller size or fewer frames",
         what_was_running);
  } catch (const c10::Error& e) {
    fail(ErrorKind::Internal, "{} failed: {}", what_was_running, e.what_without_backtrace());
  } catch (const std::exception& e) {
    fail(ErrorKind::Internal, "{} failed: {}", what_was_running, e.what());
  }
}

}  // namespace blade
