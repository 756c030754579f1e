#pragma once
// Which kernel the query / key norm runs (fused_norms.h); plain C++, shared with the .cu files.

namespace blade::kernels {

enum class RmsNormRopeKernel {
  Automatic,  // the row in registers where it fits (2,048 channels of bf16 / fp16, 1,024 of float32), else two passes
  TwoPasses,  // any width: the row read once for its sum of squares and again, from cache, for the output
};

}  // namespace blade::kernels
