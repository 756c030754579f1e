#include "core/op_profile.h"

#include "core/error.h"

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace blade {
namespace {

namespace profiler = torch::autograd::profiler;

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The CPU operators and scopes of a profile as a forest (each thread's events nest in time), so a
// kernel's launching operator can be followed up to the code that called it.
class CallTree {
 public:
  explicit CallTree(const std::vector<profiler::KinetoEvent>& events) {
    std::map<uint64_t, std::vector<size_t>> by_thread;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      if (e.deviceType() != c10::DeviceType::CPU || e.isAsync()) continue;
      const auto name = e.name();
      if (e.linkedCorrelationId() != 0) {  // a CUDA runtime call; its own correlation id is its kernel's
        if (name.find("Launch") != std::string::npos) launches_[e.correlationId()] = i;
        continue;
      }
      if (starts_with(name, "blade::")) scopes_.push_back(i);
      if (!starts_with(name, "aten::") && !starts_with(name, "blade::")) continue;
      by_thread[e.startThreadId()].push_back(i);
      if (e.correlationId() != 0) by_correlation_[e.correlationId()] = i;
    }
    for (auto& [thread, ids] : by_thread) {
      // Outer events first where two start together: they end later.
      std::sort(ids.begin(), ids.end(), [&](size_t a, size_t b) {
        if (events[a].startNs() != events[b].startNs()) return events[a].startNs() < events[b].startNs();
        if (events[a].endNs() != events[b].endNs()) return events[a].endNs() > events[b].endNs();
        return starts_with(events[a].name(), "blade::") && !starts_with(events[b].name(), "blade::");
      });
      std::vector<size_t> open;
      for (const size_t id : ids) {
        while (!open.empty() && events[open.back()].endNs() < events[id].endNs()) open.pop_back();
        parent_[id] = open.empty() ? kNone : open.back();
        open.push_back(id);
      }
    }
  }

  // The CPU event that launched a GPU activity (kNone if the profiler did not link one).
  size_t launcher_of(const profiler::KinetoEvent& gpu_event) const {
    const auto it = by_correlation_.find(gpu_event.linkedCorrelationId());
    return it == by_correlation_.end() ? kNone : it->second;
  }

  // For a kernel no operator launched (BLADE's own): the innermost blade:: scope whose time holds the
  // runtime call that launched it, or an empty string.
  std::string scope_of_launch(const std::vector<profiler::KinetoEvent>& events,
                              const profiler::KinetoEvent& gpu_event) const {
    const auto launch = launches_.find(gpu_event.correlationId());
    if (launch == launches_.end()) return "";
    const auto& call = events[launch->second];
    size_t innermost = kNone;
    for (const size_t id : scopes_) {
      const auto& scope = events[id];
      if (scope.startNs() > call.startNs() || scope.endNs() < call.endNs()) continue;
      if (innermost == kNone || scope.durationNs() < events[innermost].durationNs()) innermost = id;
    }
    return innermost == kNone ? "" : events[innermost].name();
  }

  std::string caller_label(const std::vector<profiler::KinetoEvent>& events, size_t innermost) const {
    std::vector<size_t> aten_chain;  // innermost first
    size_t scope = kNone;
    for (size_t id = innermost; id != kNone; id = parent_of(id)) {
      if (starts_with(events[id].name(), "blade::")) {
        scope = id;
        break;
      }
      aten_chain.push_back(id);
    }
    std::string label = scope == kNone ? "(no blade scope)" : events[scope].name();
    constexpr size_t kMaxOperators = 4;
    const size_t shown = std::min(aten_chain.size(), kMaxOperators);
    for (size_t i = 0; i < shown; ++i) {
      // Outermost (the call in BLADE code) first; a long chain keeps its outer end.
      label += " > " + events[aten_chain[aten_chain.size() - 1 - i]].name();
    }
    if (aten_chain.size() > shown) label += " > ...";
    if (!aten_chain.empty()) label += shapes_of(events[aten_chain.back()]);
    return label;
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);

 private:
  size_t parent_of(size_t id) const {
    const auto it = parent_.find(id);
    return it == parent_.end() ? kNone : it->second;
  }

  static std::string shapes_of(const profiler::KinetoEvent& event) {
    if (!event.hasShapes()) return "";
    std::vector<std::string> shown;
    for (const auto& shape : event.shapes()) {
      if (shape.empty()) continue;  // scalars and absent optionals
      shown.push_back(fmt::format("[{}]", fmt::join(shape, ",")));
      if (shown.size() == 2) break;
    }
    return shown.empty() ? "" : fmt::format(" {}", fmt::join(shown, " "));
  }

  std::unordered_map<uint64_t, size_t> by_correlation_;
  std::unordered_map<uint64_t, size_t> launches_;  // runtime launch calls by their correlation id
  std::vector<size_t> scopes_;
  std::unordered_map<size_t, size_t> parent_;
};

}  // namespace

OpProfile profile_ops(const std::function<void()>& work, c10::DeviceType device, bool by_caller) {
  using torch::profiler::impl::ActivityType;
  if (profiler::isProfilerEnabledInMainThread()) {
    fail(ErrorKind::InvalidArgument, "profile_ops cannot run while another profiler is active");
  }
  const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO,
                                                     /*report_input_shapes=*/by_caller);
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

  const auto& events = result->events();
  // A blade:: scope also shows on the GPU's timeline, as an annotation spanning its kernels: counting
  // it would count those kernels twice. Matched by the scopes' own names, since BLADE's kernels'
  // names start with blade:: too.
  std::set<std::string> scope_names;
  for (const auto& event : events) {
    if (event.deviceType() == c10::DeviceType::CPU && starts_with(event.name(), "blade::")) scope_names.insert(event.name());
  }
  std::unique_ptr<CallTree> calls;
  if (by_caller) calls = std::make_unique<CallTree>(events);
  std::map<std::pair<std::string, std::string>, OpTime> by_key;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& event = events[i];
    if (event.deviceType() != device) continue;
    if (device == c10::DeviceType::CPU && !starts_with(event.name(), "aten::")) continue;
    if (device != c10::DeviceType::CPU && scope_names.count(event.name()) > 0) continue;
    std::string caller;
    if (calls) {
      if (device == c10::DeviceType::CPU) {
        caller = calls->caller_label(events, i);
      } else {
        const size_t launcher = calls->launcher_of(event);
        if (launcher != CallTree::kNone) {
          caller = calls->caller_label(events, launcher);
        } else {
          const std::string scope = calls->scope_of_launch(events, event);
          caller = scope.empty() ? "(launched outside an ATen operator)" : scope + " (launched directly)";
        }
      }
    }
    auto& entry = by_key[{event.name(), caller}];
    entry.name = event.name();
    entry.caller = caller;
    entry.total_ms += static_cast<double>(event.durationNs()) / 1e6;
    ++entry.calls;
  }
  OpProfile profile;
  for (auto& [key, op] : by_key) {
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
