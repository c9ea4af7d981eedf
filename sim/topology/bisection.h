// Bisection bandwidth of a topology: the maximum flow (Boost.Graph push-relabel) from the GPUs
// of ranks [0, N/2) to the GPUs of ranks [N/2, N), in bytes/s. With ranks laid out node by
// node this is the cut between the two halves of the machine, the figure vendors quote.
// Thread-safety: pure function.
#pragma once

#include "sim/topology/topology.h"

namespace moesim {

double bisection_bandwidth(const Topology& t);

}  // namespace moesim
