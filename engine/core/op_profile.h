#pragma once
// Where a piece of work spends its time, per kernel: runs a function under LibTorch's profiler and
// sums the time of each GPU kernel (or, on the CPU, of each ATen operator) by name. `blade bench
// pipeline --profile-kernels` prints it for one generation; with callers it also says which code
// launched each kernel (the enclosing `blade::` scope and ATen operators, with input shapes).

#include <c10/core/Device.h>

#include <functional>
#include <string>
#include <vector>

namespace blade {

struct OpTime {
  std::string name;
  std::string caller;  // empty unless profiled with callers
  double total_ms = 0.0;
  int64_t calls = 0;
};

struct OpProfile {
  std::vector<OpTime> ops;  // largest total first
  double total_ms = 0.0;    // the sum over ops (on the CPU nested operators count twice: see below)
};

// device CUDA: every GPU activity (kernels, copies, fills) by name. device CPU: every ATen operator
// by name, its time including the operators it calls. With `by_caller`, one entry per (name, caller):
// the caller is the innermost enclosing `blade::` scope (core/profile_scope.h), then the ATen
// operators from the one that code called down to the one that launched the kernel, then that first
// operator's input shapes, e.g. "blade::self_attention > aten::reshape > aten::clone [1,12,4352,64]".
// Kernels that BLADE launches itself (kernels/) are not inside an ATen operator: their caller is the
// innermost blade:: scope around the runtime call that launched them, "blade::asa_probe (launched
// directly)", or "(launched outside an ATen operator)" where none is found.
OpProfile profile_ops(const std::function<void()>& work, c10::DeviceType device, bool by_caller = false);

// Long C++ template names cut to `width` characters, for a table.
std::string short_op_name(const std::string& name, size_t width);

}  // namespace blade
