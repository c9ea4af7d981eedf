// DeepSeek's Expert Parallelism Load Balancer (EPLB, github.com/deepseek-ai/EPLB), re-implemented.
//
// Hierarchical (when num_groups % num_nodes == 0):
//   1. pack the expert groups onto nodes, groups_per_node each, by balanced packing of group
//      loads (heaviest group first, to the lightest node with room);
//   2. within each node, give its R / N slots to its experts: each redundant replica goes to
//      the expert with the largest load per replica;
//   3. pack the node's replicas onto its GPUs, R / G each, by balanced packing.
// Global otherwise: the same routine with one group and one node.
// Ties break as EPLB's torch code does: sorts are stable (equal loads keep index order), arg-max
// and arg-min take the first index. Arithmetic is double where EPLB uses float32; for integer
// token counts below 2^24 the comparisons come out the same.
// Stateless, thread-safe.
#pragma once

#include "sim/placement/policy.h"

namespace moesim::placement {

// EPLB's rebalance_experts_hierarchical for one layer. Requires experts % num_groups == 0,
// num_groups % num_nodes == 0, num_gpus % num_nodes == 0, num_physical % num_gpus == 0.
Phy2Log eplb_hierarchical(std::span<const double> loads, int num_physical, int num_groups, int num_nodes,
                          int num_gpus);

// EPLB's rebalance_experts: hierarchical when groups divide over nodes, else global.
Phy2Log eplb_place(const LayerProblem& p);

class EplbPolicy : public PlacementPolicy {
 public:
  // Errors under one_copy_per_gpu if EPLB (which has no such rule) put two replicas of an
  // expert on one GPU: EPLB is reproduced as published, not silently altered.
  Result<Phy2Log> place(const LayerProblem& p) const override;
};

// True when no GPU holds two replicas of one expert; otherwise *gpu / *expert name the first.
bool satisfies_one_copy(std::span<const int> phy2log, int num_gpus, int* gpu = nullptr, int* expert = nullptr);

}  // namespace moesim::placement
