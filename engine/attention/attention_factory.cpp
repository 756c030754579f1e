#include "attention/attention_factory.h"

#include "attention/asa_attention.h"
#include "core/error.h"

#include <fmt/ranges.h>

namespace blade::attention {

std::vector<std::string> attention_backend_names() { return {"dense", "asa", "asa-gt"}; }

std::unique_ptr<AttentionBackend> make_attention_backend(const std::string& name, const AsaSettings& settings) {
  if (name == "dense") return make_dense_attention();
  if (name == "asa") return std::make_unique<AsaAttention>(settings);
  if (name == "asa-gt") return std::make_unique<AsaGtAttention>(settings);
  fail(ErrorKind::InvalidArgument, "unknown attention back end '{}': expected one of {}", name,
       fmt::join(attention_backend_names(), ", "));
}

}  // namespace blade::attention
