// CUDA_CHECK: the one way moesim code calls the CUDA runtime. On failure it returns a
// moesim::Error from the enclosing function (which must return Status or Result<T>) reading
// "<file>:<line>: <cudaErrorName>: <cudaGetErrorString> (<expression>)". Library code never
// aborts on a CUDA error; main() decides.
// Thread-safety: stateless.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "traces/status.h"

namespace moesim::kernels::cuda {

inline Status cuda_status(cudaError_t code, const char* expression, const char* file, int line) {
  if (code == cudaSuccess) return {};
  return make_error(file, std::to_string(line),
                    std::string(cudaGetErrorName(code)) + ": " + cudaGetErrorString(code) + " (" +
                        expression + ")");
}

}  // namespace moesim::kernels::cuda

#define CUDA_CHECK(expr)                                                            \
  MOESIM_RETURN_IF_ERROR(::moesim::kernels::cuda::cuda_status((expr), #expr, __FILE__, \
                                                              __LINE__))
