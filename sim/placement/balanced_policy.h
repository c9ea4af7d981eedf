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
//     so the slot does more good on another expert);
//  2. packing: LPT (heaviest replica to the lightest GPU with room), then pairwise-swap local
//     search on the heaviest GPU (see packing.h);
//  3. allocation search: while the heaviest GPU is above the lower bound, try moving one
//     replica from a cheap donor expert to an expert on the heaviest GPU, repack, keep if better
//     (a bounded number of rounds);
//  4. candidates EPLB itself and EPLB followed by the swap search are scored too; the lightest
//     maximum wins, so the result is never worse than `eplb` on max/mean.
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
