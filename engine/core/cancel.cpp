#include "core/cancel.h"

#include "core/error.h"

namespace blade {

void CancelToken::throw_if_requested(std::string_view where) const {
  if (!requested_.load()) return;
  heard_.store(true);
  fail(ErrorKind::Cancelled, "cancelled by the user {}", where);
}

}  // namespace blade
