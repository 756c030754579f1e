#pragma once
// Names a region of BLADE code ("blade::...") in profiles, so `blade bench pipeline --profile-kernels
// SETTING --profile-callers` can say which code launched a kernel. Free when no profiler runs; one
// per C++ block (it declares a local).

#include <ATen/record_function.h>

#define BLADE_PROFILE_SCOPE(name) RECORD_USER_SCOPE(name)
