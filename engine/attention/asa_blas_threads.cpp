#include "attention/asa_blas_threads.h"

#include <dlfcn.h>

namespace blade::attention {
namespace {

using SetThreads = int (*)(int);
using SetOmpThreads = void (*)(int);
using GetOmpThreads = int (*)();

template <typename Function>
Function lookup(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}

// MKL_Set_Num_Threads_Local is the C entry point (the lower-case name is the Fortran one, taking a
// pointer); libtorch_cpu exports it when built with MKL. libgomp comes with LibTorch.
struct Entries {
  SetThreads mkl_set_local = lookup<SetThreads>("MKL_Set_Num_Threads_Local");
  SetOmpThreads omp_set = lookup<SetOmpThreads>("omp_set_num_threads");
  GetOmpThreads omp_get = lookup<GetOmpThreads>("omp_get_max_threads");
};

const Entries& entries() {
  static const Entries found;
  return found;
}

}  // namespace

SingleThreadedInnerWorkScope::SingleThreadedInnerWorkScope() {
  const auto& e = entries();
  if (e.mkl_set_local) previous_mkl_ = e.mkl_set_local(1);
  if (e.omp_set && e.omp_get) {
    previous_omp_ = e.omp_get();
    e.omp_set(1);
  }
}

SingleThreadedInnerWorkScope::~SingleThreadedInnerWorkScope() {
  const auto& e = entries();
  if (e.mkl_set_local) e.mkl_set_local(previous_mkl_);
  if (e.omp_set && previous_omp_ > 0) e.omp_set(previous_omp_);
}

}  // namespace blade::attention
