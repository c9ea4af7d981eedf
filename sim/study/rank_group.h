// The processes a sweep runs on: the MPI ranks when moesim was launched under mpirun (and built
// with MOESIM_MPI), otherwise just this process.
//
// Launch detection reads the launcher's environment (OMPI_COMM_WORLD_SIZE for Open MPI,
// PMI_SIZE for MPICH/Hydra and Slurm's PMI): without it MPI_Init is never called, so the same
// binary runs standalone on a machine with no MPI runtime configured. A binary built without
// MPI refuses to run under a multi-process launch instead of repeating the whole sweep on
// every rank.
//
// Ownership: the group initialises MPI on init() and finalises it in its destructor; at most
// one group may exist per process. Not thread-safe: call from the main thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::study {

class RankGroup {
 public:
  static Result<std::unique_ptr<RankGroup>> init();
  ~RankGroup();
  RankGroup(const RankGroup&) = delete;
  RankGroup& operator=(const RankGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool uses_mpi() const { return mpi_; }

  // Gathers every rank's rows to rank 0: returns [rank][row] cells on rank 0 (this rank's own
  // rows included unchanged), an empty vector elsewhere. Cells must not contain '\x1f' or
  // '\x1e' (the separators used on the wire).
  Result<std::vector<std::vector<std::vector<std::string>>>> gather_rows(
      const std::vector<std::vector<std::string>>& mine);

  // Logical OR of a flag over all ranks (every rank gets the result).
  bool any(bool flag);

 private:
  RankGroup() = default;
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

// Launch size the environment announces (1 when not launched by mpirun/srun).
int launched_world_size();

}  // namespace moesim::study
