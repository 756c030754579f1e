#pragma once
// Text forms of shapes and dtypes for error messages ("[1, 16, 3, 2, 2]").

#include <c10/core/ScalarType.h>
#include <c10/util/ArrayRef.h>

#include <string>

namespace blade {

std::string shape_string(c10::IntArrayRef sizes);

}  // namespace blade
