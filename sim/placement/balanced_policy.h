// `balanced`: the default policy. Minimises the heaviest GPU's load, never worse than EPLB.
//
// EPLB is weak in two places this policy fixes:
//  * it replicates within a node only, so when the node split is forced (one expert group per
//    node) a hot group makes a hot node, and a very hot expert can get at most the node's
//    spare slots;
//  * its replica allocation ignores packing: a third replica of an expert on 2 GPUs forces two
//    replicas onto one GPU (loads [10,1,1,1], 2 GPUs x 3 slots: EPLB 7.67, optimum 6.5).
// Algorithm, per layer (global: replicas may go to any GPU):
//  1. allocation: greedy min-max load per replica with each expert capped at G replicas
//     (beyond G, some GPU holds two copies: its share ceil(c/G) * w/c never drops below w/G,
//     so the slot does more good on another expert); packing: LPT (heaviest replica to the
//     lightest GPU with room), then pairwise-swap local search on the heaviest GPU (packing.h);
//  2. capacity allocations: for a capacity T give each expert just enough replicas,
//     c_e = max(1, ceil(w_e / T)), and the spare slots to the coldest experts. Greedy min-max
//     makes all hot replicas about equal; when there are more of them than GPUs two share a GPU,
//     whereas replicas just under T each fill a GPU together with cold experts. The smallest T
//     whose allocation fits is found by bisection, a few T just above it are packed (best-fit
//     decreasing and LPT), the best is polished by the swap search;
//  3. allocation search, when still more than 0.3% above the lower bound: move one replica from
//     a cheap donor expert to an expert on the heaviest GPU, repack, keep if better (at most 4
//     rounds of 9 candidates, fewer on large problems: a work budget of 50,000 slot x GPU units
//     keeps 58 layers x 320 slots x 64 GPUs fast, at some cost in the most skewed cases);
//  4. EPLB itself (and EPLB polished by the swap search) is a candidate too; the lightest
//     maximum wins, so the result is never worse than `eplb` on max/mean.
// Local search stops once the heaviest GPU is within 0.01% of the lower bound.
// What it does not do: keep expert groups on nodes. EPLB's hierarchical mode keeps a group's
// replicas on one node so group-limited routing (DeepSeek-V3) crosses fewer nodes; `balanced`
// optimises per-GPU load only (use `affinity` or `eplb` when node locality matters more).
// Honours one_copy_per_gpu in every step. Stateless, thread-safe.
#pragma once

#include "sim/placement/policy.h"

namespace moesim::placement {

class BalancedPolicy : public PlacementPolicy {
 public:
  Result<Phy2Log> place(const LayerProblem& p) const override;
};

// Steps 1-2 for a given problem restricted to `loads` on `num_gpus` GPUs with `num_physical`
// slots: used by other policies to pack one node. Returns the phy2log and its maximum GPU load
// (indices into `loads`). Errors only when one-copy cannot be met (some expert would need more
// than num_gpus replicas).
struct PackedLayer {
  Phy2Log phy2log;
  double max_load = 0;
};
Result<PackedLayer> pack_min_max(std::span<const double> loads, int num_physical, int num_gpus, bool one_copy_per_gpu);

}  // namespace moesim::placement
