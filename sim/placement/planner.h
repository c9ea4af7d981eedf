// The expert placement planner: validates a request, runs the chosen policy on every layer and
// returns the placement (traces' Placement proto, per-layer phy2log, GPU-major).
//
// Policies are chosen by name from placement_policies(), an explicit table
// {name, one-line description, factory}; `moesim plan --help` prints it. The default is
// "balanced". All functions are thread-safe; plan_placement() holds no state between calls.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/placement/placement_metrics.h"
#include "sim/placement/policy.h"
#include "traces/proto/placement.pb.h"
#include "traces/status.h"

namespace moesim::placement {

inline constexpr const char* kDefaultPolicy = "balanced";

struct PlanRequest {
  std::vector<std::vector<double>> loads;  // [layers][experts] tokens per expert
  int num_physical_experts = 0;            // slots in the cluster (EPLB's num_replicas)
  int num_nodes = 1;
  int num_gpus = 1;
  int num_groups = 1;                      // expert groups (eplb's hierarchical mode)
  std::string policy = kDefaultPolicy;
  bool one_copy_per_gpu = false;
  double expert_bytes = 0;                 // weight bytes of one expert replica (0: not checked)
  double gpu_memory_bytes = 0;             // memory per GPU for expert weights (0: not checked)
  // [experts][experts] co-activation counts (needed by "affinity"); not owned, may be null.
  const std::vector<std::vector<double>>* coactivation = nullptr;
};

struct PolicyInfo {
  std::string name;
  std::string description;  // one line
  std::function<std::unique_ptr<PlacementPolicy>()> factory;
};

// The policy table, in the order --help lists it.
const std::vector<PolicyInfo>& placement_policies();

// Finds a policy by name; the error lists the known names.
Result<const PolicyInfo*> find_policy(const std::string& name);

// Checks the request's shapes and numbers; errors name the flag/field and the problem:
// empty or ragged loads, negative or non-finite loads, replicas fewer than experts, more GPUs
// than slots, slots not divisible by GPUs, GPUs not divisible by nodes, groups not dividing
// experts, a co-activation matrix that is not experts x experts, and expert memory that does
// not fit: slots_per_gpu * expert_bytes > gpu_memory_bytes.
Status validate_request(const PlanRequest& req);

// Plans every layer. Errors: invalid request, unknown policy, or a policy that cannot meet a
// constraint (the message names the policy and the layer).
Result<Placement> plan_placement(const PlanRequest& req);

// The layer problem for layer `layer` of a (validated) request.
LayerProblem layer_problem(const PlanRequest& req, size_t layer);

// phy2log of one layer of a Placement.
std::vector<int> layer_phy2log(const Placement& placement, size_t layer);

}  // namespace moesim::placement
