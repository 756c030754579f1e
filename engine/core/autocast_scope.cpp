#include "core/autocast_scope.h"

#include <ATen/autocast_mode.h>

namespace blade {

AutocastScope::AutocastScope(bool enabled, torch::Device device)
    : active_(enabled && (device.is_cuda() || device.is_cpu())), type_(device.type()) {
  if (!active_) return;
  previous_enabled_ = at::autocast::is_autocast_enabled(type_);
  previous_dtype_ = at::autocast::get_autocast_dtype(type_);
  at::autocast::set_autocast_enabled(type_, true);
  at::autocast::set_autocast_dtype(type_, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(type_, previous_enabled_);
  at::autocast::set_autocast_dtype(type_, previous_dtype_);
}

}  // namespace blade
