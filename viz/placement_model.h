// What the placement view shows, derived from a Placement and a layer's expert load: the
// experts in each GPU's slots, how many replicas each expert has, and the load each slot
// carries when an expert's tokens are split evenly over its replicas (the view says so).
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "traces/proto/placement.pb.h"

namespace moesim::viz {

// The placement of MoE layer `layer` (a single entry applies to all layers); nullptr if none.
const LayerPlacement* placement_for_layer(const Placement& placement, int layer);

// Replicas per logical expert (slots holding it), [num_experts].
std::vector<int> replica_counts(const LayerPlacement& layer, int num_experts);

// Tokens each slot serves: expert_load[e] / replicas[e] for the slot's expert e, 0 for empty
// slots or experts beyond expert_load. [phy2log size].
std::vector<double> slot_loads(const LayerPlacement& layer, const std::vector<double>& expert_load,
                               int num_experts);

// Sum of slot loads per GPU, [num_gpus].
std::vector<double> gpu_loads(const std::vector<double>& slot_load, int num_gpus, int slots_per_gpu);

}  // namespace moesim::viz
