// make_backend(): built into the moeprof executable, which knows whether the CUDA backend
// (moesim_profiler_cuda) was linked.
#include "profiler/backend.h"

#ifdef MOESIM_HAVE_CUDA_PROFILER
#include "profiler/cuda/cuda_backend.h"
#endif

namespace moesim::profiler {

Result<std::unique_ptr<Backend>> make_backend(const std::string& name, Communicator& comm) {
  if (name == "host") return make_host_backend(comm);
  if (name != "cuda" && name != "auto") return Error{"--backend: expected auto, host or cuda, got '" + name + "'"};
#ifdef MOESIM_HAVE_CUDA_PROFILER
  // Every rank must agree: cuda only when all of them see a GPU.
  const Status mine = cuda_device_status();
  auto missing = comm.max_all(mine.ok() ? 0.0 : 1.0);
  if (!missing.ok()) return missing.error();
  if (*missing == 0) return make_cuda_backend(comm);
  if (name == "cuda") {
    return Error{"--backend cuda: " + (mine.ok() ? std::string("another rank sees no GPU") : mine.message())};
  }
  return make_host_backend(comm);
#else
  if (name == "cuda") return Error{"--backend cuda: moeprof was built without CUDA (MOESIM_CUDA=OFF)"};
  return make_host_backend(comm);
#endif
}

}  // namespace moesim::profiler
