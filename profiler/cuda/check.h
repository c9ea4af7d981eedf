// CUDA_CHECK / NCCL_CHECK / CUBLAS_CHECK for the GPU backend: on failure they return a Status
// naming the file, line, call and the library's error string (nothing aborts; the harness
// records the error in the profile and ends the run).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <string>

#include "traces/status.h"

namespace moesim::profiler::detail {

inline Error gpu_error(const char* file, int line, const char* call, const std::string& what) {
  return Error{std::string(file) + ":" + std::to_string(line) + ": " + call + ": " + what};
}

}  // namespace moesim::profiler::detail

#define CUDA_CHECK(call)                                                                          \
  do {                                                                                            \
    const cudaError_t moesim_e_ = (call);                                                         \
    if (moesim_e_ != cudaSuccess)                                                                 \
      return ::moesim::profiler::detail::gpu_error(__FILE__, __LINE__, #call, cudaGetErrorString(moesim_e_)); \
  } while (0)

#define NCCL_CHECK(call)                                                                          \
  do {                                                                                            \
    const ncclResult_t moesim_e_ = (call);                                                        \
    if (moesim_e_ != ncclSuccess)                                                                 \
      return ::moesim::profiler::detail::gpu_error(__FILE__, __LINE__, #call, ncclGetErrorString(moesim_e_)); \
  } while (0)

#define CUBLAS_CHECK(call)                                                                        \
  do {                                                                                            \
    const cublasStatus_t moesim_e_ = (call);                                                      \
    if (moesim_e_ != CUBLAS_STATUS_SUCCESS)                                                       \
      return ::moesim::profiler::detail::gpu_error(__FILE__, __LINE__, #call,                     \
                                                   "cuBLAS status " + std::to_string(static_cast<int>(moesim_e_))); \
  } while (0)
