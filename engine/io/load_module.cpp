#include "io/weight_store.h"

#include "core/error.h"
#include "core/log.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

namespace blade::io {
namespace {

static auto log = blade::log::get("io");

constexpr size_t kListedInMessage = 10;

struct Slot {
  std::string module_name;
  std::string stored_name;
  torch::Tensor target;
};

std::string listing(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < kListedInMessage; ++i) {
    text += i ? ", " : "";
    text += items[i];
  }
  if (items.size() > kListedInMessage) {
    text += fmt::format(" and {} more", items.size() - kListedInMessage);
  }
  return text;
}

bool is_integral_kind(torch::Dtype dtype) { return !c10::isFloatingType(dtype) && dtype != torch::kBool; }

// Why a stored tensor of `stored` dtype cannot fill a module tensor of `wanted` dtype (empty if it can).
std::string dtype_problem(StoredDType stored, torch::Dtype wanted) {
  const torch::Dtype from = to_torch(stored);
  const bool compatible = (c10::isFloatingType(from) && c10::isFloatingType(wanted)) ||
                          (is_integral_kind(from) && is_integral_kind(wanted)) || from == wanted;
  if (compatible) return {};
  return fmt::format("expected {} (or a type convertible to it), found {}",
                     c10::toString(wanted), to_string(stored));
}

}  // namespace

void load_module(torch::nn::Module& module, const WeightStore& store, const LoadOptions& options) {
  std::vector<Slot> slots;
  std::vector<std::string> missing;
  std::set<std::string> used;
  auto collect = [&](const std::string& name, const torch::Tensor& target) {
    std::string stored = options.stored_name ? options.stored_name(name) : name;
    if (!store.contains(stored)) {
      if (options.optional.count(name)) {
        log->debug("{}: '{}' is not stored; it keeps its initial value", store.root().string(), name);
      } else {
        missing.push_back(stored == name ? fmt::format("'{}'", name)
                                         : fmt::format("'{}' (for '{}')", stored, name));
      }
      return;
    }
    used.insert(stored);
    slots.push_back({name, std::move(stored), target});
  };
  for (const auto& item : module.named_parameters(/*recurse=*/true)) collect(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) collect(item.key(), item.value());

  if (!missing.empty()) {
    fail(ErrorKind::BadWeights, "{}: {} tensor(s) the model needs are missing: {}",
         store.root().string(), missing.size(), listing(missing));
  }

  // Every shape and dtype is checked before anything is copied, so that a failure leaves the
  // module untouched.
  std::vector<std::string> problems;
  for (const Slot& slot : slots) {
    const TensorRecord& record = store.record(slot.stored_name);
    const std::string file = store.file_of(slot.stored_name).string();
    if (c10::IntArrayRef(record.shape) != slot.target.sizes()) {
      problems.push_back(fmt::format("{}: tensor '{}' has shape {} but the model expects {}", file,
                                     slot.stored_name, shape_string(record.shape),
                                     shape_string(slot.target.sizes())));
    }
    const std::string dtype_issue = dtype_problem(record.dtype, slot.target.scalar_type());
    if (!dtype_issue.empty()) {
      problems.push_back(fmt::format("{}: tensor '{}' has the wrong dtype: {}", file,
                                     slot.stored_name, dtype_issue));
    }
  }
  if (problems.size() == 1) fail(ErrorKind::BadWeights, "{}", problems.front());
  if (!problems.empty()) {
    fail(ErrorKind::BadWeights, "{} tensors do not fit the model: {}", problems.size(),
         listing(problems));
  }

  torch::NoGradGuard no_grad;
  for (Slot& slot : slots) {
    slot.target.copy_(store.load(slot.stored_name));
  }

  size_t unused = 0;
  for (const std::string& name : store.names()) {
    if (!used.count(name)) {
      ++unused;
      log->debug("{}: tensor '{}' is not used by the model", store.root().string(), name);
    }
  }
  log->info("loaded {} tensors from {}{}", slots.size(), store.root().string(),
            unused ? fmt::format(" ({} stored tensors unused)", unused) : std::string());
}

}  // namespace blade::io
