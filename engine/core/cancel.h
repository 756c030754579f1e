#pragma once
// A cancel flag shared between the one who asks (CLI signal handler, GUI button) and the worker.
// The worker acknowledges ("heard") when it sees the request, so a UI can show that the cancel was
// received before the work actually stops.

#include <atomic>
#include <string_view>

namespace blade {

class CancelToken {
 public:
  void request() noexcept { requested_.store(true); }
  bool requested() const noexcept { return requested_.load(); }
  bool heard() const noexcept { return heard_.load(); }
  void reset() noexcept {
    requested_.store(false);
    heard_.store(false);
  }

  // Throws blade::Error(Cancelled) when a cancel was requested; `where` names the point reached.
  void throw_if_requested(std::string_view where) const;

 private:
  std::atomic<bool> requested_{false};
  mutable std::atomic<bool> heard_{false};
};

// Convenience for code that takes an optional token.
inline void throw_if_cancelled(const CancelToken* token, std::string_view where) {
  if (token) token->throw_if_requested(where);
}

}  // namespace blade
