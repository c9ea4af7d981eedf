// Trace replay: routing taken from a measured expert-load log (ExpertLoadTrace).
//
// Which snapshot and layer: step s replays snapshot s mod num_steps (the trace loops; its
// step_ids are labels, not consulted), MoE layer l replays trace layer l mod num_layers.
// Counts:
//  - when the trace has per-rank counts and num_ranks == num_src_gpus, counts[src][e] are the
//    trace's rank_counts of that snapshot and layer, unchanged (not rescaled);
//  - otherwise the global counts c_e are scaled to the context's total
//        n_e = c_e * (tokens_per_gpu * num_src * top_k) / sum_e c_e
//    and spread over the sources: floor(n_e) by a multinomial with equal source shares
//    (sequential binomials; exact inversion below a mean of 10, else the normal approximation
//    rounded and clamped), and the fraction n_e - floor(n_e) to one uniformly drawn source,
//    so every expert's total is exactly n_e. Stream per (step, layer).
// No per-token information: sampled_tokens = 0 (has_tokens() false), tokens_dropped = 0.
// Drift, balancing and capacity settings do not apply to replay (the trace already holds
// their effect). Not thread-safe.
#pragma once

#include "sim/routing/routing_model.h"

namespace moesim::routing {

// Checks a trace's shape against the context; errors name the trace (source) and the field.
Status check_trace_for_routing(const ExpertLoadTrace& trace, const RoutingContext& ctx,
                               const std::string& source);

class TraceRoutingModel : public RoutingModel {
 public:
  // `trace` must have passed check_trace_for_routing().
  TraceRoutingModel(ExpertLoadTrace trace, const RoutingContext& ctx);
  void route(int step, int layer, LayerRouting* out) override;
  int num_experts_at(int step) const override { return ctx_.num_experts; }

 private:
  ExpertLoadTrace trace_;
  RoutingContext ctx_;
  bool use_rank_counts_;
};

}  // namespace moesim::routing
