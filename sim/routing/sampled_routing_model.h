// Token-choice routing by sampling tokens: models "uniform", "zipf", "dirichlet" and "rre",
// with any of: correlated top-k, drift, balancing dynamics, capacity dropping, node- and
// group-limited routing, tasks and continual-learning phases.
//
// route(step, layer): each source GPU samples S = min(tokens_per_gpu, sampled_tokens_per_gpu)
// tokens from its own stream (seed, step, layer, src). A token draws its task from the phase's
// task weights, then its top-k experts with TokenSelector under the selection weights
//     w_e = exp(logit_{layer,task,e} + offset_{layer,e})       (popularity.h, balancing.h)
// normalised to max 1 and floored at 1e-300 inside the task's domain (0 outside it), so an
// expert with an extreme logit stays selectable when nothing else is left. Then the capacity
// limit (capacity.h) and the counts, scaled by tokens_per_gpu / S.
// Not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "sim/routing/balancing.h"
#include "sim/routing/popularity.h"
#include "sim/routing/routing_model.h"
#include "sim/routing/routing_spec_check.h"
#include "sim/routing/task_plan.h"
#include "sim/routing/token_selector.h"

namespace moesim::routing {

class SampledRoutingModel : public RoutingModel {
 public:
  SampledRoutingModel(const RoutingSpec& spec, const ResolvedRouting& resolved,
                      const RoutingContext& ctx, TaskPlan plan);
  void route(int step, int layer, LayerRouting* out) override;
  void end_step(int step, const std::vector<std::vector<double>>& expert_load_per_layer) override;
  int num_experts_at(int step) const override { return plan_.num_experts_at(step); }

 private:
  const AffinityGroups& affinity(int layer, int num_experts);

  RoutingContext ctx_;
  ResolvedRouting resolved_;
  double capacity_factor_;
  double correlation_;
  TaskPlan plan_;
  ExpertLayout layout_;
  Popularity popularity_;
  Balancer balancer_;
  TokenSelector selector_;
  int last_step_ = 0;
  std::vector<SelectionTables> tables_;            // per task, rebuilt per route()
  std::vector<std::optional<AffinityGroups>> affinity_;  // per layer, for affinity_experts_[layer]
  std::vector<int> affinity_experts_;
  std::vector<int64_t> capacity_scratch_;
};

}  // namespace moesim::routing
