#pragma once
// Creates an attention back end by its user-facing name.

#include "attention/asa_settings.h"
#include "attention/attention_backend.h"

#include <memory>
#include <string>
#include <vector>

namespace blade::attention {

std::vector<std::string> attention_backend_names();  // "dense", "asa", "asa-gt"

// Throws InvalidArgument naming the valid names for an unknown one, or for bad ASA settings.
std::unique_ptr<AttentionBackend> make_attention_backend(const std::string& name, const AsaSettings& settings = {});

}  // namespace blade::attention
