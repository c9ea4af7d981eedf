#include "sim/routing/routing_spec_check.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace moesim::routing {
namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Checks that a double field is finite and within [lo, hi] (hi may be inf).
Status check_range(const std::string& source, const char* field, double v, double lo, double hi,
                   bool lo_open = false) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  if (ok) return {};
  std::string want = std::string("must be ") + (lo_open ? "> " : ">= ") + num(lo);
  if (std::isfinite(hi)) want += " and <= " + num(hi);
  return make_error(source, std::string("routing.") + field, want + ", got " + num(v));
}

Status check_context(const RoutingContext& ctx, const std::string& source) {
  auto positive = [&](const char* field, int v) -> Status {
    if (v >= 1) return {};
    return make_error(source, std::string("routing context.") + field,
                      "must be >= 1, got " + std::to_string(v));
  };
  MOESIM_RETURN_IF_ERROR(positive("num_experts", ctx.num_experts));
  MOESIM_RETURN_IF_ERROR(positive("top_k", ctx.top_k));
  MOESIM_RETURN_IF_ERROR(positive("num_src_gpus", ctx.num_src_gpus));
  MOESIM_RETURN_IF_ERROR(positive("tokens_per_gpu", ctx.tokens_per_gpu));
  MOESIM_RETURN_IF_ERROR(positive("num_moe_layers", ctx.num_moe_layers));
  if (ctx.top_k > ctx.num_experts) {
    return make_error(source, "routing context.top_k",
                      "top_k = " + std::to_string(ctx.top_k) + " exceeds the " +
                          std::to_string(ctx.num_experts) + " routed experts");
  }
  return {};
}

}  // namespace

Result<ResolvedRouting> check_routing_spec(const RoutingSpec& spec, const RoutingContext& ctx,
                                           const std::string& source) {
  MOESIM_RETURN_IF_ERROR(check_context(ctx, source));
  ResolvedRouting r;
  r.model = spec.model().empty() ? "uniform" : spec.model();
  bool known = false;
  std::string names;
  for (const RoutingModelInfo& info : routing_models()) {
    known |= r.model == info.name;
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  }
  if (!known) {
    return make_error(source, "routing.model", "unknown model \"" + spec.model() + "\"; known: " + names);
  }
  const double kInf = INFINITY;
  MOESIM_RETURN_IF_ERROR(check_range(source, "zipf_exponent", spec.zipf_exponent(), 0, kInf));
  if (r.model == "dirichlet") {
    MOESIM_RETURN_IF_ERROR(check_range(source, "dirichlet_alpha", spec.dirichlet_alpha(), 0, kInf, true));
  } else {
    MOESIM_RETURN_IF_ERROR(check_range(source, "dirichlet_alpha", spec.dirichlet_alpha(), 0, kInf));
  }
  MOESIM_RETURN_IF_ERROR(check_range(source, "correlation", spec.correlation(), 0, 1));
  MOESIM_RETURN_IF_ERROR(check_range(source, "drift_per_step", spec.drift_per_step(), 0, kInf));
  MOESIM_RETURN_IF_ERROR(check_range(source, "aux_loss_coef", spec.aux_loss_coef(), 0, kInf));
  MOESIM_RETURN_IF_ERROR(check_range(source, "bias_update_speed", spec.bias_update_speed(), 0, kInf));
  MOESIM_RETURN_IF_ERROR(check_range(source, "capacity_factor", spec.capacity_factor(), 0, kInf));

  if (spec.balancing().empty() || spec.balancing() == "none") {
    r.balancing = BalancingKind::kNone;
  } else if (spec.balancing() == "aux-loss") {
    r.balancing = BalancingKind::kAuxLoss;
    r.balancing_strength = spec.aux_loss_coef();
  } else if (spec.balancing() == "bias") {
    r.balancing = BalancingKind::kBias;
    r.balancing_strength = spec.bias_update_speed();
  } else {
    return make_error(source, "routing.balancing",
                      "unknown balancing \"" + spec.balancing() + "\"; known: none, aux-loss, bias");
  }

  const int experts = ctx.num_experts, k = ctx.top_k;
  // Affinity groups.
  if (spec.affinity_group_size() > static_cast<uint32_t>(experts)) {
    return make_error(source, "routing.affinity_group_size",
                      "must be <= num_experts = " + std::to_string(experts) + ", got " +
                          std::to_string(spec.affinity_group_size()));
  }
  r.affinity_group_size = spec.affinity_group_size() > 0 ? static_cast<int>(spec.affinity_group_size()) : k;

  // Sampling.
  const int want = spec.sampled_tokens_per_gpu() > 0
                       ? static_cast<int>(std::min<uint32_t>(spec.sampled_tokens_per_gpu(), 1u << 30))
                       : kDefaultSampledTokensPerGpu;
  r.sampled_tokens = std::min(want, ctx.tokens_per_gpu);

  if (r.model == "trace" && spec.trace_file().empty()) {
    return make_error(source, "routing.trace_file", "model \"trace\" needs a trace file");
  }
  if (r.model == "rre" && spec.num_tasks() == 0 && spec.phases_size() == 0) {
    return make_error(source, "routing.num_tasks", "model \"rre\" needs num_tasks >= 1 (or phases)");
  }

  // Group-limited routing: the spec's n_group/topk_group override the model's.
  const bool spec_groups = spec.n_group() > 0 || spec.topk_group() > 0;
  const char* group_field = spec_groups ? "routing.n_group" : "routing context.n_group";
  const char* topk_field = spec_groups ? "routing.topk_group" : "routing context.topk_group";
  const int n_group = spec_groups ? static_cast<int>(spec.n_group()) : ctx.n_group;
  const int topk_group = spec_groups ? static_cast<int>(spec.topk_group()) : ctx.topk_group;
  if (n_group < 0 || topk_group < 0) {
    return make_error(source, n_group < 0 ? group_field : topk_field, "must be >= 0");
  }
  if (n_group > 1 || topk_group > 0) {
    if (n_group == 0) {
      return make_error(source, group_field, "topk_group = " + std::to_string(topk_group) +
                                                 " is set but n_group is 0");
    }
    if (topk_group == 0 && n_group > 1) {
      return make_error(source, topk_field, "must be >= 1 when n_group = " + std::to_string(n_group));
    }
    if (topk_group > n_group) {
      return make_error(source, topk_field, "topk_group = " + std::to_string(topk_group) +
                                                " exceeds n_group = " + std::to_string(n_group));
    }
    if (experts % n_group != 0) {
      return make_error(source, group_field, std::to_string(experts) + " experts do not divide into " +
                                                 std::to_string(n_group) + " equal groups");
    }
    if (n_group > 1 && topk_group * (experts / n_group) < k) {
      return make_error(source, topk_field,
                        std::to_string(topk_group) + " groups of " + std::to_string(experts / n_group) +
                            " experts hold fewer than top_k = " + std::to_string(k) + " experts");
    }
    if (n_group > 1) r.n_group = n_group, r.topk_group = topk_group;
  }

  // Node-limited routing.
  if (spec.max_nodes_per_token() > 0) {
    const int m = static_cast<int>(std::min<uint32_t>(spec.max_nodes_per_token(), 1u << 30));
    if (ctx.num_nodes < 1) {
      return make_error(source, "routing context.num_nodes",
                        "node-limited routing needs num_nodes >= 1, got " + std::to_string(ctx.num_nodes));
    }
    if (experts % ctx.num_nodes != 0) {
      return make_error(source, "routing.max_nodes_per_token",
                        std::to_string(experts) + " experts do not lay out evenly over " +
                            std::to_string(ctx.num_nodes) + " nodes");
    }
    if (m > ctx.num_nodes) {
      return make_error(source, "routing.max_nodes_per_token",
                        std::to_string(m) + " exceeds the " + std::to_string(ctx.num_nodes) +
                            " nodes of the EP group");
    }
    const int per_node = experts / ctx.num_nodes;
    if (m * per_node < k) {
      return make_error(source, "routing.max_nodes_per_token",
                        std::to_string(m) + " nodes x " + std::to_string(per_node) +
                            " experts per node is fewer than top_k = " + std::to_string(k));
    }
    if (m < ctx.num_nodes) r.max_nodes = m;  // M = all nodes constrains nothing
  }

  // Both limits: groups and nodes must nest, and the worst case must leave top_k experts.
  if (r.n_group > 0 && r.max_nodes > 0) {
    const int gs = experts / r.n_group, ns = experts / ctx.num_nodes;
    if (gs % ns != 0 && ns % gs != 0) {
      return make_error(source, "routing.max_nodes_per_token",
                        "with group-limited routing, groups (" + std::to_string(gs) +
                            " experts) and nodes (" + std::to_string(ns) +
                            " experts) must nest: one size must divide the other");
    }
    // gs <= ns: the kept nodes hold >= min(topk_group, M) kept groups;
    // gs > ns: the kept groups span topk_group * gs / ns whole nodes, M of them are kept.
    const int worst = gs <= ns ? std::min(r.topk_group, r.max_nodes) * gs
                               : std::min(r.max_nodes, r.topk_group * (gs / ns)) * ns;
    if (worst < k) {
      return make_error(source, "routing.max_nodes_per_token",
                        "with topk_group = " + std::to_string(r.topk_group) + ", a token may be left " +
                            std::to_string(worst) + " experts, fewer than top_k = " + std::to_string(k));
    }
  }
  return r;
}

}  // namespace moesim::routing
