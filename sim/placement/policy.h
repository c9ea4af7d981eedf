// The placement-policy interface: one MoE layer's problem in, a phy2log map out.
//
// A placement maps the num_physical expert slots of a cluster (num_gpus GPUs, num_physical /
// num_gpus slots each, GPU-major) to logical experts. A policy fills every slot and gives every
// logical expert at least one slot; an expert's tokens are split evenly over its replicas.
// Policies are stateless and thread-safe: place() may run concurrently for different layers.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::placement {

// phy2log[slot] = logical expert held by physical slot `slot` (slot s of GPU g is g * slots + s).
using Phy2Log = std::vector<int>;

// One layer's placement problem. Validated by the planner before any policy sees it:
// num_physical % num_gpus == 0, num_gpus % num_nodes == 0, num_physical >= experts,
// experts % num_groups == 0, loads finite and >= 0.
struct LayerProblem {
  std::span<const double> loads;  // [experts] tokens routed to each logical expert
  int num_physical = 0;           // physical expert slots in the cluster (EPLB's num_replicas)
  int num_nodes = 1;              // nodes; GPUs of a node share the fast (NVLink) domain
  int num_gpus = 1;
  int num_groups = 1;             // expert groups (DeepSeek-V3 group-limited routing), for eplb
  bool one_copy_per_gpu = false;  // at most one replica of an expert per GPU
  // [experts][experts] co-activation counts (symmetric use), or null when none was given.
  const std::vector<std::vector<double>>* coactivation = nullptr;

  int num_experts() const { return static_cast<int>(loads.size()); }
  int slots_per_gpu() const { return num_physical / num_gpus; }
  int gpus_per_node() const { return num_gpus / num_nodes; }
};

class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  // Returns phy2log [num_physical], every slot filled. Errors when the policy cannot satisfy a
  // constraint of the problem (e.g. --one-copy-per-gpu, a missing co-activation matrix).
  virtual Result<Phy2Log> place(const LayerProblem& problem) const = 0;
};

}  // namespace moesim::placement
