// What a profile records about where it ran: hosts, ranks per node, CPU, MPI and (through the
// backend) GPU, driver, CUDA and NCCL versions and NCCL's topology dump.
// Thread-safety: call from the main thread (collective over the communicator).
#pragma once

#include <string>
#include <vector>

#include "profiler/comm.h"
#include "traces/proto/profile.pb.h"
#include "traces/status.h"

namespace moesim::profiler {

// Fills hosts, nodes, CPU, MPI, time and command line (every rank must call it).
Status describe_ranks(Communicator& comm, const std::string& command_line, Environment* env);

// Node index of each rank from the environment's rank_node.
std::vector<int> rank_nodes(const Environment& env);

}  // namespace moesim::profiler
