// The GPU backend (built only with MOESIM_CUDA): NCCL all-to-all, CUDA routing kernels and
// cuBLAS BF16 GEMM, timed with CUDA events on one stream per rank. See profiler/backend.h.
// One GPU per rank: local rank (OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID or SLURM_LOCALID;
// 0 for a single process) modulo the visible devices. The NCCL communicator is built with
// ncclCommInitRank from an id rank 0 generates and the Communicator broadcasts (a single
// process needs no MPI for that).
// Thread-safety: one thread per backend.
#pragma once

#include <memory>

#include "profiler/backend.h"

namespace moesim::profiler {

// OK when this process sees at least one usable GPU.
Status cuda_device_status();

Result<std::unique_ptr<Backend>> make_cuda_backend(Communicator& comm);

}  // namespace moesim::profiler
