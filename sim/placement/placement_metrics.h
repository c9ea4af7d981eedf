// Measures of a placement: replica counts, per-GPU load, imbalance, a lower bound on the best
// achievable maximum GPU load, and how much co-activation crosses nodes.
//
// Load model: an expert's tokens are split evenly over its replicas, so a GPU's load is
//   gpu_load[g] = sum over slots s of g of  loads[phy2log[s]] / logcnt[phy2log[s]].
// Pure functions, thread-safe.
#pragma once

#include <span>
#include <vector>

#include "sim/placement/policy.h"

namespace moesim::placement {

// Replicas of each logical expert: logcnt[e] = #{slots s : phy2log[s] == e}. Empty slots (-1)
// are not counted.
std::vector<int> logcnt(std::span<const int> phy2log, int num_experts);

// Tokens each GPU processes, [num_gpus].
std::vector<double> gpu_load(std::span<const double> loads, std::span<const int> phy2log, int num_gpus);

// max / mean of per-GPU load (1.0 is perfect balance; 1.0 when there is no load at all).
double imbalance(std::span<const double> gpu_loads);

double max_of(std::span<const double> v);

// The smallest per-replica load achievable: min over replica counts c (sum c = num_physical,
// 1 <= c_e <= cap) of max_e loads[e] / c_e, where cap = num_gpus under one-copy-per-gpu and
// unlimited otherwise. Greedy (give the next replica to the expert with the largest load per
// replica) reaches it: raising any other count cannot lower the current maximum.
double min_max_replica_load(std::span<const double> loads, int num_physical, int cap);

// A lower bound on the maximum GPU load of any placement:
//   LB = max( total / num_gpus,  min_max_replica_load )
// The first term is the mean; the second holds because the GPU holding the heaviest replica
// carries at least that replica. (It includes "the hottest expert's load over its best possible
// replica count" as a special case and is never smaller.)
double load_lower_bound(std::span<const double> loads, int num_physical, int num_gpus, bool one_copy_per_gpu);

// Fraction of co-activation weight between expert pairs that share no node:
//   sum_{i<j, no node holds both} C'[i][j] / sum_{i<j} C'[i][j],  C' = (C + C^T) / 2.
// 0 when the matrix has no off-diagonal weight.
double cross_node_coactivation(std::span<const int> phy2log, int num_gpus, int num_nodes,
                               const std::vector<std::vector<double>>& coactivation);

}  // namespace moesim::placement
