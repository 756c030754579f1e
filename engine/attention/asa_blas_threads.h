#pragma once
// Keeps library calls (GEMMs, ATen ops) single-threaded on the calling thread for a scope, for use
// inside at::parallel_for workers. LibTorch turns MKL's dynamic threading off and allows nested
// OpenMP, so a GEMM issued inside a worker would start a nested team of threads on every worker and
// oversubscribe the cores (10x slower on a loaded 2-core machine). The OpenMP and MKL entry points
// are looked up at run time; where they are absent this does nothing.

namespace blade::attention {

class SingleThreadedInnerWorkScope {
 public:
  SingleThreadedInnerWorkScope();
  ~SingleThreadedInnerWorkScope();
  SingleThreadedInnerWorkScope(const SingleThreadedInnerWorkScope&) = delete;
  SingleThreadedInnerWorkScope& operator=(const SingleThreadedInnerWorkScope&) = delete;

 private:
  int previous_mkl_ = 0;  // MKL's thread-local setting before the scope (0: follow the global one)
  int previous_omp_ = 0;  // OpenMP's nthreads-var before the scope (0: not changed)
};

}  // namespace blade::attention
