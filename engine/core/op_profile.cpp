#include "core/op_profile.h"

#include "core/error.h"

#include <torch/cuda.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <map>
#include <set>

namespace blade {

OpProfile profile_ops(const std::function<void()>& work, c10::DeviceType device) {
  namespace profiler = torch::autograd::profiler;
  using torch::profiler::impl::ActivityType;
  if (profiler::isProfilerEnabledInMainThread()) {
    fail(ErrorKind::InvalidArgument, "profile_ops cannot run while another profiler is active");
  }
  const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO);
  std::set<ActivityType> activities{ActivityType::CPU};
  if (device == c10::DeviceType::CUDA) activities.insert(ActivityType::CUDA);
  profiler::prepareProfiler(config, activities);
  profiler::enableProfiler(config, activities);
  std::unique_ptr<profiler::ProfilerResult> result;
  try {
    work();
  } catch (...) {
    profiler::disableProfiler();
    throw;
  }
  // Kernels still queued when the profiler stops would not be recorded.
  if (device == c10::DeviceType::CUDA) torch::cuda::synchronize();
  result = profiler::disableProfiler();

  std::map<std::string, OpTime> by_name;
  for (const auto& event : result->events()) {
    if (event.deviceType() != device) continue;
    if (device == c10::DeviceType::CPU && event.name().rfind("aten::", 0) != 0) continue;
    auto& entry = by_name[event.name()];
    entry.name = event.name();
    entry.total_ms += static_cast<double>(event.durationNs()) / 1e6;
    ++entry.calls;
  }
  OpProfile profile;
  for (auto& [name, op] : by_name) {
    profile.total_ms += op.total_ms;
    profile.ops.push_back(std::move(op));
  }
  std::sort(profile.ops.begin(), profile.ops.end(),
            [](const OpTime& a, const OpTime& b) { return a.total_ms > b.total_ms; });
  return profile;
}

std::string short_op_name(const std::string& name, size_t width) {
  if (name.size() <= width) return name;
  return name.substr(0, width > 3 ? width - 3 : width) + "...";
}

}  // namespace blade
