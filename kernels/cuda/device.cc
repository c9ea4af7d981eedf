// Host-side CUDA helpers of the kernels library that need no nvcc.
#include <string>

#include "kernels/api.h"
#include "kernels/cuda/cuda_check.h"

namespace moesim::kernels::cuda {

Status device_available() {
  int count = 0;
  const cudaError_t code = cudaGetDeviceCount(&count);
  if (code != cudaSuccess) {
    // Clear the sticky "last error" so it does not surface in an unrelated later check.
    (void)cudaGetLastError();
    return make_error("", "", std::string("no usable CUDA device: ") + cudaGetErrorName(code) +
                                  ": " + cudaGetErrorString(code));
  }
  if (count == 0) return make_error("", "", "no CUDA device found");
  return {};
}

}  // namespace moesim::kernels::cuda
