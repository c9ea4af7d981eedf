// `affinity`: topology-aware placement that keeps co-activated experts on one node.
//
// A token routed to several experts crosses the inter-node network once per node it visits
// (DeepSeek-V3 dispatch sends a token to a node once), so experts a token picks together
// should share a node. Input: a co-activation matrix C [experts][experts], C[i][j] = how often
// one token picks both i and j (used symmetrised, C' = (C + C^T) / 2, diagonal ignored).
// Algorithm (hierarchical, like EPLB: an expert's replicas stay on its home node):
//  1. home nodes, greedy agglomeration: experts in decreasing load; each joins the node (with
//     room) holding the most co-activation with it, among nodes whose load stays under
//     (1 + kNodeLoadSlack) x total / N (else the lightest node with room). Node n takes
//     E / N experts (the first E % N nodes one more).
//  2. Kernighan-Lin style refinement: swap experts a, b between nodes when it lowers the
//     cut (gain = C'(a, n_b) - C'(a, n_a) + C'(b, n_a) - C'(b, n_b) - 2 C'[a][b] > 0) and both
//     node loads stay under the same limit (or under the larger of the two before).
//  3. per node: replicate and pack onto its GPUs as `balanced` does (pack_min_max).
// It trades some balance for locality: the node-load limit bounds what it may give away.
// cross_node_coactivation() (placement_metrics.h) measures the result.
// Data: shared/data/olmoe_routing's expert_coactivation_crosslayer.csv counts, for a token,
// its expert at layer a against its expert at a *different* layer b (0->7, 7->15); it has no
// same-layer pairs, so it cannot say which experts of one layer a token picks together, and
// this policy does not pretend it does (reading it as a same-layer matrix would group experts
// by an unrelated signal). Tests use matrices with planted structure; a co-activation matrix
// measured from top-k routing of one layer (or the simulator's correlated routing) is the
// intended input.
// Stateless, thread-safe.
#pragma once

#include "sim/placement/policy.h"

namespace moesim::placement {

// Slack on node load in step 1 and 2 (fraction of the mean node load).
inline constexpr double kNodeLoadSlack = 0.05;

class AffinityPolicy : public PlacementPolicy {
 public:
  Result<Phy2Log> place(const LayerProblem& p) const override;
};

// Step 1-2 only: the home node of each expert. Exposed for tests.
std::vector<int> affinity_home_nodes(std::span<const double> loads, int num_nodes,
                                     const std::vector<std::vector<double>>& coactivation);

}  // namespace moesim::placement
