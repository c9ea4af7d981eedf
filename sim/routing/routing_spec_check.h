// Validation of a RoutingSpec against its RoutingContext, and the settings it resolves to.
//
// Every error names the field: "<source>: routing.<field>: <problem>" (context fields read
// "routing context.<field>", they come from the scenario's model and parallel layout).
// Fields a model does not use are not checked beyond their basic range.
// Pure function; thread-safe.
#pragma once

#include <string>

#include "sim/routing/balancing.h"
#include "sim/routing/routing_model.h"

namespace moesim::routing {

inline constexpr int kDefaultSampledTokensPerGpu = 512;

struct ResolvedRouting {
  std::string model;             // "" resolved to "uniform"
  BalancingKind balancing = BalancingKind::kNone;
  double balancing_strength = 0;
  int n_group = 0, topk_group = 0;  // effective (spec overrides the model's), 0 = off
  int max_nodes = 0;
  int sampled_tokens = 0;           // per source GPU
  int affinity_group_size = 0;
};

Result<ResolvedRouting> check_routing_spec(const RoutingSpec& spec, const RoutingContext& ctx,
                                           const std::string& source);

}  // namespace moesim::routing
