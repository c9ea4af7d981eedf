// A measurement backend: the operations moeprof times, on one rank.
//
//   host  MPI_Alltoall(v) and MPI point-to-point through the Communicator, the CPU reference
//         routing kernels (kernels/cpu), a blocked FP32 CPU GEMM; steady-clock timing.
//   cuda  NCCL all-to-all (ncclAlltoAll; grouped ncclSend/ncclRecv for uneven splits), the CUDA
//         routing kernels (kernels/api.h), cuBLAS BF16 GEMM; CUDA-event timing.
// Each timed call returns this rank's seconds for one run; the harness takes the max over ranks.
// Buffers are owned by the backend and sized by reserve()/prepare_*().
// Thread-safety: one thread per backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "profiler/comm.h"
#include "traces/proto/profile.pb.h"
#include "traces/status.h"

namespace moesim::profiler {

// One routing-kernel case: gating_topk, expert_histogram, permute or unpermute.
struct KernelCase {
  std::string kernel;
  std::int64_t num_tokens = 0;
  int num_experts = 64;
  int top_k = 8;
  int hidden = 1024;
};

// The routing kernels every backend times, in table order.
const std::vector<std::string>& kernel_names();

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::string timer() const = 0;
  // What runs for a benchmark ("MPI_Alltoall", "ncclAlltoAll", ...).
  virtual std::string implementation(const std::string& benchmark) const = 0;
  // Device, driver and library versions into the profile's environment.
  virtual void describe(Environment* env) = 0;

  // Send and receive buffers of `bytes` each (all-to-all(v), p2p).
  virtual Status reserve(std::size_t bytes) = 0;
  virtual Result<double> alltoall(std::size_t bytes_per_peer) = 0;
  // This rank's bytes to each peer and from each peer.
  virtual Result<double> alltoallv(const std::vector<std::size_t>& send_bytes,
                                   const std::vector<std::size_t>& recv_bytes) = 0;
  // Ping-pong between ranks a and b: one-way seconds (half the round trip) on a and b, 0 on others.
  virtual Result<double> pingpong(int a, int b, std::size_t bytes) = 0;

  virtual Status prepare_kernel(const KernelCase& k) = 0;
  virtual Result<double> kernel(const KernelCase& k) = 0;
  virtual Status prepare_gemm(int tokens, int hidden, int ffn_hidden) = 0;
  virtual Result<double> gemm(int tokens, int hidden, int ffn_hidden) = 0;
};

std::unique_ptr<Backend> make_host_backend(Communicator& comm);

// "host", "cuda" or "auto" (cuda when every rank sees a GPU and moeprof was built with CUDA).
Result<std::unique_ptr<Backend>> make_backend(const std::string& name, Communicator& comm);

}  // namespace moesim::profiler
