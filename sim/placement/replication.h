// Replica allocation: how many physical slots each logical expert gets.
//
// Both functions give the next replica to the expert with the largest load per replica
// (loads[e] / count[e]), ties to the lower expert index, which minimises the largest load per
// replica (raising any other expert's count cannot lower the current maximum).
// Pure functions, thread-safe.
#pragma once

#include <span>
#include <vector>

namespace moesim::placement {

// EPLB's replicate_experts for one row, bit for bit in its choices: phy2log starts as
// [0, 1, ..., E-1] and the num_physical - E redundant replicas follow in the order chosen (a
// linear arg-max per replica, as torch.max returns the first maximal index).
// rank[p] is the replica number of physical expert p within its logical expert.
struct EplbReplication {
  std::vector<int> phy2log;  // [num_physical]
  std::vector<int> rank;     // [num_physical]
  std::vector<int> logcnt;   // [E]
};
EplbReplication eplb_replicate(std::span<const double> loads, int num_physical);

// The same greedy with a cap on each expert's replicas (a heap, O(R log E)). When every expert
// is at its cap and replicas remain, the cap is lifted for them (callers that must not exceed
// it check cap * E >= num_physical first).
// `pick_order`, when given, receives the expert chosen for each redundant replica in turn.
std::vector<int> replicate_min_max(std::span<const double> loads, int num_physical, int cap,
                                   std::vector<int>* pick_order = nullptr);

}  // namespace moesim::placement
