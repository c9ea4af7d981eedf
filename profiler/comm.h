// The ranks of a profiling run and the host-side collectives the harness needs.
//
// moeprof runs one process per GPU under mpirun (Open MPI, MPICH, Slurm PMI), or as a single
// process without any launcher: when none of OMPI_COMM_WORLD_SIZE / PMI_SIZE / PMIX_RANK is set
// the process never calls MPI_Init and is rank 0 of 1 (GPU machines without MPI installed run
// this way). Communicator::create() decides.
// Host-side operations (barrier, max, gathers, the MPI all-to-all(v) and point-to-point the
// host backend times) fail with a Status rather than aborting: MPI runs with MPI_ERRORS_RETURN.
// Thread-safety: one thread calls the collectives; abort() may be called from a watchdog thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::profiler {

class Communicator {
 public:
  virtual ~Communicator() = default;
  // MPI when launched by an MPI launcher (and built with MPI), else a single rank.
  static Result<std::unique_ptr<Communicator>> create(int* argc, char*** argv);
  // Whether the environment says an MPI launcher started us.
  static bool launched_by_mpi();

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual bool uses_mpi() const = 0;
  virtual std::string library_version() const = 0;

  virtual Status barrier() = 0;
  virtual Result<double> max_all(double v) = 0;
  // Every rank's string, on every rank (host names, device names).
  virtual Result<std::vector<std::string>> all_gather(const std::string& s) = 0;
  // Rank 0's bytes to every rank (the NCCL unique id).
  virtual Status broadcast(void* data, std::size_t bytes) = 0;

  // Host backend operations on byte buffers. Counts and displacements are in bytes.
  virtual Status alltoall(const void* send, void* recv, std::size_t bytes_per_peer) = 0;
  virtual Status alltoallv(const void* send, const std::vector<std::size_t>& send_bytes,
                           const std::vector<std::size_t>& send_offsets, void* recv,
                           const std::vector<std::size_t>& recv_bytes,
                           const std::vector<std::size_t>& recv_offsets) = 0;
  virtual Status send(const void* data, std::size_t bytes, int dst) = 0;
  virtual Status recv(void* data, std::size_t bytes, int src) = 0;

  // Ends every rank's process (MPI_Abort); never returns.
  [[noreturn]] virtual void abort(int code) = 0;
  virtual void finalize() = 0;
};

}  // namespace moesim::profiler
