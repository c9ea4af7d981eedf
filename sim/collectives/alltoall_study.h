// One timed all-to-all on a topology, reported as nccl-tests does: what `moesim alltoall`
// prints, and what tests and the step simulator compare against.
// Thread-safety: pure function (builds its own runner).
#pragma once

#include "sim/collectives/alltoall.h"
#include "traces/proto/collective.pb.h"

namespace moesim {

struct AllToAllOptions {
  AllToAllAlgorithm algorithm = AllToAllAlgorithm::kDirect;
  NetworkMode network = NetworkMode::kFlow;
  EcmpMode ecmp = EcmpMode::kSplit;
  CollectiveCosts costs = default_collective_costs();
  int chunks = 4;             // rail pipelining
  double coalesce_rel = 1e-4;
  int top_links = 5;          // busiest links reported
};

// Times the all-to-all of `m` on `t`. size_bytes follows nccl-tests: bytes one rank sends
// including to itself (uniform: bytes_per_peer * n; matrix: mean over ranks of its row sum,
// diagonal included), algbw = size / time, busbw = algbw * (n - 1) / n.
Result<AllToAllResult> simulate_alltoall(const Topology& t, const TrafficMatrix& m, double size_bytes,
                                         const AllToAllOptions& opt);

}  // namespace moesim
