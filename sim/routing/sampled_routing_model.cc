#include "sim/routing/sampled_routing_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sim/routing/capacity.h"
#include "traces/check.h"

namespace moesim::routing {
namespace {

PopularityKind popularity_kind(const std::string& model) {
  if (model == "zipf") return PopularityKind::kZipf;
  if (model == "dirichlet") return PopularityKind::kDirichlet;
  return PopularityKind::kUniform;  // uniform, rre
}

ExpertLayout make_layout(const ResolvedRouting& r, const RoutingContext& ctx, int num_experts) {
  ExpertLayout layout;
  layout.num_experts = num_experts;
  layout.n_group = r.n_group;
  layout.topk_group = r.topk_group;
  layout.num_nodes = r.max_nodes > 0 ? ctx.num_nodes : 0;
  layout.max_nodes = r.max_nodes;
  layout.finalize();
  return layout;
}

}  // namespace

SampledRoutingModel::SampledRoutingModel(const RoutingSpec& spec, const ResolvedRouting& resolved,
                                         const RoutingContext& ctx, TaskPlan plan)
    : ctx_(ctx),
      resolved_(resolved),
      capacity_factor_(spec.capacity_factor()),
      correlation_(spec.correlation()),
      plan_(std::move(plan)),
      layout_(make_layout(resolved, ctx, plan_.final_experts())),
      popularity_(popularity_kind(resolved.model), spec.zipf_exponent(), spec.dirichlet_alpha(),
                  spec.drift_per_step(), plan_, ctx.num_moe_layers, ctx.seed),
      balancer_(resolved.balancing, resolved.balancing_strength, ctx.num_moe_layers, plan_.final_experts()),
      selector_(layout_, ctx.top_k, spec.correlation()),
      tables_(plan_.num_tasks()),
      affinity_(ctx.num_moe_layers),
      affinity_experts_(ctx.num_moe_layers, 0),
      capacity_scratch_(plan_.final_experts()) {}

// Co-activation groups of a layer: a seeded random permutation of the current experts cut into
// consecutive groups of affinity_group_size (the last one may be smaller). Rebuilt when the
// expert count grows.
const AffinityGroups& SampledRoutingModel::affinity(int layer, int num_experts) {
  if (!affinity_[layer] || affinity_experts_[layer] != num_experts) {
    AffinityGroups g;
    g.members.resize(num_experts);
    std::iota(g.members.begin(), g.members.end(), 0);
    Rng rng(stream_seed(ctx_.seed, StreamKind::kAffinity, {layer, num_experts}));
    for (int i = num_experts - 1; i > 0; --i) std::swap(g.members[i], g.members[rng.below(i + 1)]);
    g.group_of.assign(plan_.final_experts(), 0);
    const int size = resolved_.affinity_group_size;
    for (int b = 0; b < num_experts; b += size) {
      g.group_begin.push_back(b);
      for (int i = b; i < std::min(b + size, num_experts); ++i)
        g.group_of[g.members[i]] = static_cast<int>(g.group_begin.size()) - 1;
    }
    g.group_begin.push_back(num_experts);
    affinity_[layer] = std::move(g);
    affinity_experts_[layer] = num_experts;
  }
  return *affinity_[layer];
}

void SampledRoutingModel::route(int step, int layer, LayerRouting* out) {
  MOESIM_CHECK(layer >= 0 && layer < ctx_.num_moe_layers) << "layer " << layer;
  MOESIM_CHECK(step >= last_step_) << "routing steps must not go back: " << step << " after " << last_step_;
  last_step_ = step;
  const int k = ctx_.top_k, num_src = ctx_.num_src_gpus, sampled = resolved_.sampled_tokens;
  const int phase = plan_.phase_at(step);
  const int num_experts = plan_.num_experts_at(step);
  const int total_experts = plan_.final_experts();
  const std::vector<double>& task_weights = plan_.task_weights(phase);
  const int num_tasks = plan_.num_tasks();

  popularity_.advance(layer, step);
  const std::vector<double>& offsets = balancer_.offsets(layer);
  for (int task = 0; task < num_tasks; ++task) {
    if (!(task_weights[task] > 0)) continue;
    const std::vector<double>& logits = popularity_.logits(layer, task);
    std::vector<double> w(total_experts, 0.0);
    double max_logit = -std::numeric_limits<double>::infinity();
    for (int e = 0; e < num_experts; ++e)
      if (std::isfinite(logits[e])) max_logit = std::max(max_logit, logits[e] + offsets[e]);
    for (int e = 0; e < num_experts; ++e)
      if (std::isfinite(logits[e])) w[e] = std::max(std::exp(logits[e] + offsets[e] - max_logit), 1e-300);
    tables_[task].build(std::move(w), layout_);
  }
  AliasTable task_alias;
  if (num_tasks > 1) task_alias.build(task_weights.data(), num_tasks);
  const AffinityGroups* aff = correlation_ > 0 ? &affinity(layer, num_experts) : nullptr;

  out->num_src = num_src;
  out->top_k = k;
  out->num_experts = num_experts;
  out->sampled_tokens = sampled;
  out->token_scale = static_cast<double>(ctx_.tokens_per_gpu) / sampled;
  out->expert_ids.resize(static_cast<size_t>(num_src) * sampled * k);
  for (int src = 0; src < num_src; ++src) {
    Rng rng(stream_seed(ctx_.seed, StreamKind::kTokens, {step, layer, src}));
    int32_t* ids = out->expert_ids.data() + static_cast<size_t>(src) * sampled * k;
    for (int t = 0; t < sampled; ++t) {
      const int task = num_tasks > 1 ? task_alias.sample(rng.next_u64()) : 0;
      selector_.select(tables_[task], aff, rng, ids + static_cast<size_t>(t) * k);
    }
  }
  int64_t dropped = 0;
  if (capacity_factor_ > 0) {
    const int64_t tokens = static_cast<int64_t>(num_src) * sampled;
    const int64_t capacity = expert_capacity(capacity_factor_, tokens, k, num_experts);
    dropped = apply_capacity(capacity, tokens, k, num_experts, out->expert_ids.data(),
                             capacity_scratch_.data());
  }
  out->tokens_dropped = static_cast<double>(dropped) * out->token_scale;
  out->counts.assign(static_cast<size_t>(num_src) * num_experts, 0.0);
  for (int src = 0; src < num_src; ++src) {
    const int32_t* ids = out->expert_ids.data() + static_cast<size_t>(src) * sampled * k;
    double* row = out->counts.data() + static_cast<size_t>(src) * num_experts;
    for (int i = 0; i < sampled * k; ++i)
      if (ids[i] >= 0) row[ids[i]] += 1.0;
    for (int e = 0; e < num_experts; ++e) row[e] *= out->token_scale;
  }
}

void SampledRoutingModel::end_step(int step, const std::vector<std::vector<double>>& expert_load_per_layer) {
  balancer_.update(expert_load_per_layer);
}

}  // namespace moesim::routing
