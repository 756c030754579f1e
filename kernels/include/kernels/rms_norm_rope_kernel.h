#pragma once
// Which kernel the query / key norm runs (fused_norms.h); plain C++, shared with the .cu files.

namespace blade::kernels {

enum class RmsNormRopeKernel {
  Automatic,  // the row in registers where it fits (up to 2,048 16-bit channels), else two passes
  TwoPasses,  // any width: the row read once for its sum of squares and again, from cache, for the output
};

}  // namespace blade::kernels
