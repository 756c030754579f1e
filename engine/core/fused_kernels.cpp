#include "core/fused_kernels.h"

#include <atomic>

namespace blade {
namespace {

std::atomic<bool> enabled{true};

}  // namespace

void set_fused_kernels(bool value) { enabled.store(value, std::memory_order_relaxed); }
bool fused_kernels_enabled() { return enabled.load(std::memory_order_relaxed); }

}  // namespace blade
