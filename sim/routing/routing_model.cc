// The table of routing models and the factory (make_routing_model).
#include "sim/routing/routing_model.h"

#include "sim/routing/expert_choice_model.h"
#include "sim/routing/routing_spec_check.h"
#include "sim/routing/sampled_routing_model.h"
#include "sim/routing/task_plan.h"
#include "sim/routing/trace_routing_model.h"
#include "traces/trace_import.h"

namespace moesim {

const std::vector<RoutingModelInfo>& routing_models() {
  static const std::vector<RoutingModelInfo> kModels = {
      {"uniform", "every expert equally popular (token-choice top-k)"},
      {"zipf", "per-layer Zipf popularity 1/rank^zipf_exponent over a random expert order"},
      {"dirichlet", "per-layer popularity drawn from Dirichlet(dirichlet_alpha)"},
      {"rre", "PanGu-Sigma Random Routed Experts: fixed task -> expert group, uniform within it"},
      {"expert-choice", "each expert takes its top-capacity tokens (tokens get 0..E experts)"},
      {"trace", "replay an expert-load log (trace_file), per-rank counts when they match"},
  };
  return kModels;
}

Result<std::unique_ptr<RoutingModel>> make_trace_routing_model(ExpertLoadTrace trace,
                                                               const RoutingContext& ctx) {
  const std::string source = trace.source().empty() ? "trace" : trace.source();
  MOESIM_RETURN_IF_ERROR(routing::check_trace_for_routing(trace, ctx, source));
  return std::unique_ptr<RoutingModel>(new routing::TraceRoutingModel(std::move(trace), ctx));
}

Result<std::unique_ptr<RoutingModel>> make_routing_model(const RoutingSpec& spec,
                                                         const RoutingContext& ctx,
                                                         const std::string& spec_source) {
  MOESIM_ASSIGN_OR_RETURN(routing::ResolvedRouting r, routing::check_routing_spec(spec, ctx, spec_source));
  if (r.model == "trace") {
    MOESIM_ASSIGN_OR_RETURN(ExpertLoadTrace trace, load_expert_load_trace(spec.trace_file()));
    if (trace.source().empty()) trace.set_source(spec.trace_file());
    return make_trace_routing_model(std::move(trace), ctx);
  }
  if (r.model == "expert-choice") {
    return std::unique_ptr<RoutingModel>(new routing::ExpertChoiceRoutingModel(spec, r, ctx));
  }
  MOESIM_ASSIGN_OR_RETURN(routing::TaskPlan plan,
                          routing::TaskPlan::build(spec, ctx.num_experts, ctx.top_k, r.model == "rre",
                                                   spec_source));
  if (plan.has_restricted_domains() && (r.n_group > 0 || r.max_nodes > 0)) {
    return make_error(spec_source, r.max_nodes > 0 ? "routing.max_nodes_per_token" : "routing.n_group",
                      "node- and group-limited routing cannot be combined with per-task expert "
                      "groups (rre, or phases that add experts)");
  }
  return std::unique_ptr<RoutingModel>(new routing::SampledRoutingModel(spec, r, ctx, std::move(plan)));
}

}  // namespace moesim
