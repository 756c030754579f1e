#include "core/fused_kernels.h"

#include <atomic>

namespace blade {
namespace {

std::atomic<bool> fused{true};
std::atomic<bool> strided_attention{true};

}  // namespace

void set_fused_kernels(bool value) { fused.store(value, std::memory_order_relaxed); }
bool fused_kernels_enabled() { return fused.load(std::memory_order_relaxed); }

void set_strided_attention_operands(bool value) { strided_attention.store(value, std::memory_order_relaxed); }
bool strided_attention_operands_enabled() { return strided_attention.load(std::memory_order_relaxed); }

}  // namespace blade
