#include "sim/moe/step_simulator.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sim/core/version.h"
#include "sim/calibration/calibration.h"
#include "sim/collectives/alltoall.h"
#include "sim/moe/hardware.h"
#include "sim/moe/layer_traffic.h"
#include "sim/moe/scenario.h"
#include "sim/moe/workload.h"
#include "sim/placement/planner.h"
#include "sim/study/incremental_placement.h"
#include "sim/routing/routing_model.h"
#include "sim/topology/presets.h"
#include "traces/check.h"
#include "traces/proto_io.h"

namespace moesim {

// Times of one MoE layer pass (forward or backward) of one micro-batch.
struct LayerPass {
  Seconds dense = 0, dispatch = 0, expert_max = 0, wait_mean = 0, combine = 0, total = 0;
};

class StepSimulatorImpl {
 public:
  Scenario sc_;
  std::string src_;
  SimulationOptions opt_;
  HardwareSpec hw_;
  LayerCosts costs_;
  std::unique_ptr<Topology> topo_;
  AllToAllAlgorithm algo_ = AllToAllAlgorithm::kDirect;
  NetworkMode mode_ = NetworkMode::kFlow;
  CollectiveCosts ccosts_;
  std::unique_ptr<CollectiveRunner> runner_;
  std::unique_ptr<RoutingModel> routing_;
  int ep_ = 1, dp_ = 1, gpn_ = 1, ep_nodes_ = 1, num_moe_ = 0, num_dense_ = 0;
  std::vector<int> sim_layers_;  // MoE layer indices simulated
  double layer_scale_ = 1;       // MoE layers represented by each simulated layer
  int num_experts_ = 0;
  std::vector<std::vector<int>> phy2log_;  // per simulated layer, GPU-major slots of one EP group
  Placement file_placement_;
  bool training_ = true;
  Seconds clock_ = 0;
  SimResult result_;
  // A collective's duration depends only on its schedule (the network is idle between them),
  // so identical all-to-alls within a step are timed once: the backward of a dispatch is the
  // forward combine again. Times are stored relative to the collective's start.
  struct CachedCollective {
    TrafficMatrix matrix;
    CollectiveOutcome outcome;
    std::vector<double> bytes, busy_s;  // link statistics it added
  };
  std::vector<CachedCollective> cache_;
  std::vector<LayerRouting> step0_routing_;  // routed during planning, reused by step 0
  std::vector<double> link_bytes_, link_busy_s_, seen_bytes_, seen_busy_s_;

  Status init();
  Status plan(const std::vector<std::vector<double>>& loads, const std::string& why);
  Status place_added_experts(int step, const std::vector<std::vector<double>>& window_loads);
  Result<Seconds> migrate(const std::vector<std::vector<int>>& before);
  Result<CollectiveOutcome> collective(const LayerTraffic& t, double bytes_per_token, bool reverse);
  Result<LayerPass> moe_pass(const LayerTraffic& t, bool backward, int step, int layer, bool record);
  Seconds dense_layer_time(bool backward) const;
  Seconds moe_dense_time(bool backward) const;
  Result<SimResult> run();
};

namespace {

// Coalescing window of the flow model (FlowNetwork): a skewed all-to-all has about as many
// distinct finish times as flows; at 0.5% the events drop ~20x. Measured against exact runs
// on DeepSeek-V3 EP64 dispatches: direct 0.5%, hierarchical 0.7%, rail 1.9% shorter (errors
// compound through the rail pipeline's chunk dependencies).
constexpr double kCoalesceRel = 5e-3;

Error field_error(const std::string& src, const std::string& field, const std::string& what) {
  return make_error(src, field, what);
}

}  // namespace

Status StepSimulatorImpl::init() {
  MOESIM_RETURN_IF_ERROR(validate_scenario(sc_, src_));
  MOESIM_ASSIGN_OR_RETURN(hw_, resolve_hardware(sc_.hardware(), src_));
  Calibration calibration;  // `moeprof fit` figures replace the presets' (sim/calibration)
  if (!sc_.calibration_file().empty()) {
    MOESIM_ASSIGN_OR_RETURN(calibration, load_calibration(sc_.calibration_file()));
    apply_gemm_calibration(calibration, &hw_);
  }
  *sc_.mutable_hardware() = hw_;
  costs_ = layer_costs(sc_.model());
  training_ = sc_.mode() == "training";
  const auto& par = sc_.parallel();
  ep_ = static_cast<int>(par.ep());
  dp_ = static_cast<int>(par.dp());
  auto topo = build_topology(sc_.topology(), src_);
  if (!topo.ok()) return topo.error();
  topo_ = std::move(*topo);
  if (topo_->num_gpus() != ep_ * dp_) {
    return field_error(src_, "topology", "has " + std::to_string(topo_->num_gpus()) + " GPUs but parallel.ep x parallel.dp = " +
                                             std::to_string(ep_) + " x " + std::to_string(dp_) + " = " + std::to_string(ep_ * dp_));
  }
  algo_ = *parse_algorithm(sc_.algorithm());
  mode_ = *parse_network_mode(sc_.network());
  if (algo_ != AllToAllAlgorithm::kDirect && topo_->gpus_per_node() == 0) {
    return field_error(src_, "algorithm", sc_.algorithm() + " needs the same number of GPUs on every node of the topology");
  }
  ccosts_ = default_collective_costs();
  if (!sc_.calibration_file().empty()) {  // MoE dispatch messages are large: the bandwidth regime
    apply_link_calibration(calibration, kLargeMessageBytes, topo_.get());
    if (calibration.alltoall_size() > 0) ccosts_ = calibrated_costs(calibration, kLargeMessageBytes);
  }
  const EcmpMode ecmp = sc_.topology().ecmp() == "hash" ? EcmpMode::kHash : EcmpMode::kSplit;
  runner_ = std::make_unique<CollectiveRunner>(*topo_, ecmp, mode_, kCoalesceRel);
  link_bytes_.assign(topo_->num_links(), 0.0);
  link_busy_s_ = seen_bytes_ = seen_busy_s_ = link_bytes_;
  gpn_ = std::max(1, topo_->gpus_per_node());
  ep_nodes_ = (ep_ % gpn_ == 0) ? ep_ / gpn_ : 1;
  if (ep_ < gpn_) gpn_ = ep_;

  const auto mask = moe_layer_mask(sc_.model());
  num_moe_ = static_cast<int>(std::count(mask.begin(), mask.end(), true));
  num_dense_ = static_cast<int>(mask.size()) - num_moe_;
  const int k = (sc_.simulated_layers() == 0 || static_cast<int>(sc_.simulated_layers()) >= num_moe_)
                    ? num_moe_
                    : static_cast<int>(sc_.simulated_layers());
  for (int i = 0; i < k; ++i) sim_layers_.push_back(static_cast<int>(static_cast<long long>(i) * num_moe_ / k));
  layer_scale_ = static_cast<double>(num_moe_) / k;

  RoutingContext ctx;
  ctx.num_experts = static_cast<int>(sc_.model().num_routed_experts());
  ctx.top_k = static_cast<int>(sc_.model().top_k());
  ctx.num_src_gpus = ep_;
  ctx.tokens_per_gpu = static_cast<int>(par.tokens_per_gpu());
  ctx.num_moe_layers = num_moe_;
  ctx.num_nodes = ep_nodes_;
  ctx.n_group = static_cast<int>(sc_.model().n_group());
  ctx.topk_group = static_cast<int>(sc_.model().topk_group());
  ctx.seed = sc_.seed();
  auto routing = make_routing_model(sc_.routing(), ctx, src_);
  if (!routing.ok()) return routing.error();
  routing_ = std::move(*routing);
  num_experts_ = routing_->num_experts_at(0);

  if (!sc_.placement().file().empty()) {
    MOESIM_RETURN_IF_ERROR(load_proto(sc_.placement().file(), &file_placement_));
    const auto& fp = file_placement_;
    const std::string f = sc_.placement().file();
    if (static_cast<int>(fp.num_gpus()) != ep_) {
      return make_error(f, "num_gpus", std::to_string(fp.num_gpus()) + " GPUs, but the scenario's EP group has " + std::to_string(ep_));
    }
    if (static_cast<int>(fp.num_experts()) != num_experts_) {
      return make_error(f, "num_experts", std::to_string(fp.num_experts()) + " experts, but the model routes " + std::to_string(num_experts_));
    }
    if (fp.layers_size() != 1 && fp.layers_size() != num_moe_) {
      return make_error(f, "layers", "expected 1 or " + std::to_string(num_moe_) + " layers, got " + std::to_string(fp.layers_size()));
    }
    for (int li = 0; li < fp.layers_size(); ++li) {
      const auto& t = fp.layers(li).phy2log();
      if (t.size() != static_cast<int>(fp.num_gpus() * fp.slots_per_gpu())) {
        return make_error(f, "layers[" + std::to_string(li) + "].phy2log", "has " + std::to_string(t.size()) + " slots, expected num_gpus x slots_per_gpu = " +
                                                                              std::to_string(fp.num_gpus() * fp.slots_per_gpu()));
      }
      std::vector<bool> seen(num_experts_, false);
      for (int v : t) {
        if (v < -1 || v >= num_experts_) return make_error(f, "layers[" + std::to_string(li) + "].phy2log", "expert " + std::to_string(v) + " out of range");
        if (v >= 0) seen[v] = true;
      }
      for (int e = 0; e < num_experts_; ++e) {
        if (!seen[e]) return make_error(f, "layers[" + std::to_string(li) + "].phy2log", "expert " + std::to_string(e) + " has no slot");
      }
    }
  }
  // Initial placement, planned on the first step's routing statistics (as a profiling run would
  // give them) for load-aware policies; those routings are kept for step 0.
  std::vector<std::vector<double>> loads;
  const std::string policy = sc_.placement().policy();
  const bool needs_loads = !(sc_.placement().redundant_experts() == 0 &&
                             (policy.empty() || policy == "contiguous" || policy == "round-robin"));
  for (int l : sim_layers_) {
    if (!needs_loads) {
      loads.emplace_back(num_experts_, 1.0);
      continue;
    }
    step0_routing_.emplace_back();
    LayerRouting& r = step0_routing_.back();
    routing_->route(0, l, &r);
    std::vector<double> per(r.num_experts, 0.0);
    for (int s = 0; s < r.num_src; ++s) {
      for (int e = 0; e < r.num_experts; ++e) per[e] += r.counts[static_cast<size_t>(s) * r.num_experts + e];
    }
    loads.push_back(std::move(per));
  }
  return plan(loads, "initial");
}

Status StepSimulatorImpl::plan(const std::vector<std::vector<double>>& loads, const std::string& why) {
  phy2log_.clear();
  if (!sc_.placement().file().empty()) {
    for (int l : sim_layers_) {
      const auto& t = file_placement_.layers(file_placement_.layers_size() == 1 ? 0 : l).phy2log();
      phy2log_.emplace_back(t.begin(), t.end());
    }
    *result_.mutable_placement() = file_placement_;
    return {};
  }
  placement::PlanRequest req;
  req.loads = loads;
  for (auto& row : req.loads) row.resize(num_experts_, 0.0);
  req.num_physical_experts = num_experts_ + static_cast<int>(sc_.placement().redundant_experts());
  req.num_nodes = ep_nodes_;
  req.num_gpus = ep_;
  const int groups = static_cast<int>(sc_.model().n_group());
  req.num_groups = (groups > 0 && num_experts_ % groups == 0) ? groups : 1;
  req.policy = sc_.placement().policy().empty() ? "contiguous" : sc_.placement().policy();
  if (req.num_physical_experts % ep_ != 0) {
    return field_error(src_, "placement", why + " placement: " + std::to_string(num_experts_) + " experts + " +
                                              std::to_string(sc_.placement().redundant_experts()) +
                                              " redundant do not divide over " + std::to_string(ep_) + " GPUs");
  }
  if (auto known = placement::find_policy(req.policy); !known.ok()) return field_error(src_, "placement.policy", known.message());
  auto p = placement::plan_placement(req);
  if (!p.ok()) return field_error(src_, "placement.policy", p.message());
  for (size_t i = 0; i < sim_layers_.size(); ++i) phy2log_.push_back(placement::layer_phy2log(*p, i));
  *result_.mutable_placement() = *p;
  return {};
}

// Experts added mid-training are placed incrementally (sim/study/incremental_placement.h): into
// free or redundant slots, existing experts moving only where the move pays for its migration
// before the next re-plan. Pay-rule inputs: an assignment taken off the busiest GPU saves its
// expert FLOPs (x3 with backward) at the peak grouped-GEMM rate, for every represented layer and
// micro-batch (the marginal cost of a token under eff(t) = max_eff * t / (t + half)); a copy
// moves the expert (with FP32 master and Adam moments in training) at the slowest GPU's total
// incoming link bandwidth. New experts' loads are unknown: each is estimated at the mean of
// the existing experts' loads since the last plan.
Status StepSimulatorImpl::place_added_experts(int step, const std::vector<std::vector<double>>& window_loads) {
  const std::string why = "step " + std::to_string(step) + " (experts added)";
  if (!sc_.placement().file().empty()) {
    return plan(std::vector<std::vector<double>>(sim_layers_.size(), std::vector<double>(num_experts_, 1.0)), why);
  }
  const int old_spg = phy2log_.empty() ? 0 : static_cast<int>(phy2log_[0].size()) / ep_;
  const int slots = num_experts_ + static_cast<int>(sc_.placement().redundant_experts());
  const int spg = std::max(old_spg, (slots + ep_ - 1) / ep_);
  study::IncrementalCosts c;
  const double mb = sc_.parallel().micro_batches();
  c.seconds_per_assignment = (training_ ? 3.0 : 1.0) * costs_.expert_flops_per_assignment /
                             (hw_.peak_flops() * hw_.max_gemm_efficiency()) * layer_scale_ * mb;
  double bw = 0;
  for (int g = 0; g < ep_; ++g) {
    const int v = topo_->gpu_vertex(g);
    double in = 0;
    for (uint32_t i = topo_->in_begin(v); i < topo_->in_end(v); ++i) in += topo_->link_bandwidth(topo_->in_link(i));
    bw = g == 0 ? in : std::min(bw, in);
  }
  const double per_expert = (costs_.expert_weight_bytes + (training_ ? 12.0 * costs_.expert_params : 0.0)) * layer_scale_;
  c.seconds_per_expert_move = bw > 0 ? per_expert / bw : 0.0;
  const int steps = static_cast<int>(sc_.steps());
  const int every = static_cast<int>(sc_.placement().rebalance_every());
  c.remaining_steps = every > 0 ? std::min(every - step % every, steps - step) : steps - step;
  Placement placed;
  placed.set_num_gpus(ep_);
  placed.set_slots_per_gpu(spg);
  placed.set_num_experts(num_experts_);
  placed.set_policy((sc_.placement().policy().empty() ? std::string("contiguous") : sc_.placement().policy()) + "+incremental");
  // Loads per step of one micro-batch and layer, summing to its assignments.
  const double assignments = static_cast<double>(sc_.parallel().tokens_per_gpu()) * ep_ * sc_.model().top_k();
  for (size_t li = 0; li < phy2log_.size(); ++li) {
    const auto& w = window_loads[li];
    const double seen = std::accumulate(w.begin(), w.end(), 0.0);
    std::vector<double> loads(num_experts_, 1.0);
    if (seen > 0) {
      for (size_t e = 0; e < w.size() && e < loads.size(); ++e) loads[e] = w[e];
      for (size_t e = w.size(); e < loads.size(); ++e) loads[e] = seen / w.size();
    }
    const double total = std::accumulate(loads.begin(), loads.end(), 0.0);
    for (double& x : loads) x *= assignments / total;
    auto r = study::incremental_placement(phy2log_[li], ep_, spg, loads, c);
    if (!r.ok()) return field_error(src_, "routing.phases", why + ": " + r.message());
    phy2log_[li] = std::move(r->phy2log);
    placed.add_layers()->mutable_phy2log()->Add(phy2log_[li].begin(), phy2log_[li].end());
  }
  *result_.mutable_placement() = std::move(placed);
  return {};
}

Result<CollectiveOutcome> StepSimulatorImpl::collective(const LayerTraffic& t, double bytes_per_token, bool reverse) {
  TrafficMatrix m;
  m.num_gpus = ep_ * dp_;
  // A rail combine runs DeepEP's dispatch pipeline backwards; it is timed as the dispatch
  // pipeline carrying the combine's bytes, every link load mirrored (see alltoall.h).
  if (algo_ == AllToAllAlgorithm::kRail) reverse = false;
  const int nodes = static_cast<int>(t.node_tokens.size()) / ep_;
  for (int g = 0; g < dp_; ++g) {
    const uint32_t off = static_cast<uint32_t>(g * ep_);
    for (int s = 0; s < ep_; ++s) {
      for (int d = 0; d < ep_; ++d) {
        const double tok = t.gpu_tokens[static_cast<size_t>(s) * ep_ + d];
        if (s == d || tok <= 0) continue;
        const double b = tok * bytes_per_token;
        if (reverse) m.entries.push_back({off + d, off + s, b});
        else m.entries.push_back({off + s, off + d, b});
      }
      if (algo_ == AllToAllAlgorithm::kRail) {
        // Node indices are global: the EP group's first node plus the local node index.
        const uint32_t node0 = static_cast<uint32_t>(topo_->node_of_rank(static_cast<int>(off)));
        for (int nd = 0; nd < nodes; ++nd) {
          const double tok = t.node_tokens[static_cast<size_t>(s) * nodes + nd];
          if (tok <= 0) continue;
          m.node_entries.push_back({off + static_cast<uint32_t>(s), node0 + nd, tok * bytes_per_token});
        }
      }
    }
  }
  for (const auto& c : cache_) {
    if (!(c.matrix == m)) continue;
    CollectiveOutcome o = c.outcome;
    o.start_s += clock_;
    o.end_s += clock_;
    for (auto& t : o.rank_done_s) t += clock_;
    for (size_t l = 0; l < c.bytes.size(); ++l) {
      link_bytes_[l] += c.bytes[l];
      link_busy_s_[l] += c.busy_s[l];
    }
    return o;
  }
  MOESIM_ASSIGN_OR_RETURN(Schedule s, build_alltoall_schedule(*topo_, m, algo_, 4));
  MOESIM_ASSIGN_OR_RETURN(CollectiveOutcome o, runner_->run(s, ccosts_, clock_));
  CachedCollective c;
  c.outcome = o;
  c.outcome.start_s -= clock_;
  c.outcome.end_s -= clock_;
  for (auto& t : c.outcome.rank_done_s) t -= clock_;
  const size_t nl = runner_->link_bytes().size();
  c.bytes.resize(nl);
  c.busy_s.resize(nl);
  for (size_t l = 0; l < nl; ++l) {
    c.bytes[l] = runner_->link_bytes()[l] - seen_bytes_[l];
    c.busy_s[l] = runner_->link_busy_s()[l] - seen_busy_s_[l];
    link_bytes_[l] += c.bytes[l];
    link_busy_s_[l] += c.busy_s[l];
  }
  seen_bytes_ = runner_->link_bytes();
  seen_busy_s_ = runner_->link_busy_s();
  c.matrix = std::move(m);
  cache_.push_back(std::move(c));
  return o;
}

Seconds StepSimulatorImpl::moe_dense_time(bool backward) const {
  const double tokens = sc_.parallel().tokens_per_gpu();
  const double tp = sc_.parallel().tp();
  const auto& m = sc_.model();
  double flops = tokens * (costs_.attention_flops_per_token + costs_.gating_flops_per_token + costs_.shared_flops_per_token) / tp;
  double bytes = 0;
  if (sc_.mode() == "decode") bytes = tokens * m.seq_len() * costs_.kv_bytes_per_token / tp;
  if (backward) flops *= 2;
  return dense_time(hw_, flops, bytes);
}

Seconds StepSimulatorImpl::dense_layer_time(bool backward) const {
  const double tokens = sc_.parallel().tokens_per_gpu();
  const double tp = sc_.parallel().tp();
  const auto& m = sc_.model();
  double flops = tokens * (costs_.attention_flops_per_token + costs_.dense_ffn_flops_per_token) / tp;
  double bytes = 0;
  if (sc_.mode() == "decode") bytes = tokens * m.seq_len() * costs_.kv_bytes_per_token / tp;
  if (backward) flops *= 2;
  return dense_time(hw_, flops, bytes);
}

Result<LayerPass> StepSimulatorImpl::moe_pass(const LayerTraffic& t, bool backward, int step, int layer, bool record) {
  LayerPass p;
  const int n = ep_ * dp_;
  const int spg = static_cast<int>(t.slot_tokens.size()) / ep_;
  const double passes = backward ? 2.0 : 1.0;
  auto event = [&](int gpu, TimelineEvent::Kind kind, Seconds start, Seconds end) {
    if (!record || end <= start) return;
    auto* e = result_.add_timeline();
    e->set_gpu(gpu);
    e->set_kind(kind);
    e->set_start_s(start);
    e->set_duration_s(end - start);
    e->set_step(step);
    e->set_layer(layer);
    e->set_backward(backward);
  };
  // Dense part (attention, gating, shared experts): the same on every GPU.
  p.dense = moe_dense_time(backward);
  const Seconds t0 = clock_;
  for (int g = 0; g < n; ++g) event(g, TimelineEvent::DENSE, t0, t0 + p.dense);
  clock_ += p.dense;
  // First all-to-all: forward dispatch (dispatch dtype), or the backward of combine (gradients
  // of the combined outputs travel token GPU -> expert GPU in the combine dtype).
  const double first_bytes = backward ? costs_.combine_bytes_per_token : costs_.dispatch_bytes_per_token;
  MOESIM_ASSIGN_OR_RETURN(CollectiveOutcome d, collective(t, first_bytes, false));
  p.dispatch = d.duration();
  // Expert FFN on each GPU once its own tokens have arrived.
  std::vector<Seconds> expert_end(n);
  Seconds slowest = d.end_s;
  for (int g = 0; g < n; ++g) {
    const int local = g % ep_;
    const Seconds x = grouped_gemm_time(hw_, &t.slot_tokens[static_cast<size_t>(local) * spg], spg,
                                        costs_.expert_flops_per_assignment, costs_.expert_weight_bytes, passes);
    const Seconds ready = std::max(d.rank_done_s[g], d.start_s);
    event(g, backward ? TimelineEvent::COMBINE : TimelineEvent::DISPATCH, d.start_s, ready);
    expert_end[g] = ready + x;
    event(g, TimelineEvent::EXPERT, ready, expert_end[g]);
    p.expert_max = std::max(p.expert_max, x);
    slowest = std::max(slowest, expert_end[g]);
  }
  // The second all-to-all cannot start before the slowest GPU is done: the others wait.
  double wait = 0;
  for (int g = 0; g < n; ++g) {
    wait += slowest - expert_end[g];
    event(g, TimelineEvent::WAIT, expert_end[g], slowest);
  }
  p.wait_mean = wait / n;
  clock_ = slowest;
  MOESIM_ASSIGN_OR_RETURN(CollectiveOutcome c, collective(t, costs_.combine_bytes_per_token, true));
  p.combine = c.duration();
  for (int g = 0; g < n; ++g) {
    event(g, backward ? TimelineEvent::DISPATCH : TimelineEvent::COMBINE, c.start_s, std::max(c.rank_done_s[g], c.start_s));
  }
  clock_ = c.end_s;
  p.total = clock_ - t0;
  return p;
}

Result<Seconds> StepSimulatorImpl::migrate(const std::vector<std::vector<int>>& before) {
  // Every slot that now holds an expert its GPU did not hold before receives the expert's
  // weights (and, in training, its FP32 master copy and two Adam moments: 12 more bytes per
  // parameter) from a GPU that held it.
  const double per_expert = costs_.expert_weight_bytes + (training_ ? 12.0 * costs_.expert_params : 0.0);
  std::vector<double> dense(static_cast<size_t>(ep_) * ep_, 0.0);
  const int spg_new = phy2log_.empty() ? 0 : static_cast<int>(phy2log_[0].size()) / ep_;
  for (size_t li = 0; li < phy2log_.size() && li < before.size(); ++li) {
    const int spg_old = static_cast<int>(before[li].size()) / ep_;
    std::vector<std::vector<int>> holders(num_experts_);
    for (size_t s = 0; s < before[li].size(); ++s) {
      const int e = before[li][s];
      if (e >= 0 && e < num_experts_) holders[e].push_back(static_cast<int>(s) / spg_old);
    }
    for (size_t s = 0; s < phy2log_[li].size(); ++s) {
      const int e = phy2log_[li][s];
      const int g = static_cast<int>(s) / spg_new;
      if (e < 0 || holders[e].empty()) continue;  // a brand-new expert is initialised in place
      if (std::find(holders[e].begin(), holders[e].end(), g) != holders[e].end()) continue;
      const int from = holders[e][s % holders[e].size()];
      dense[static_cast<size_t>(from) * ep_ + g] += per_expert * layer_scale_;
    }
  }
  TrafficMatrix m;
  m.num_gpus = ep_ * dp_;
  for (int grp = 0; grp < dp_; ++grp) {
    const uint32_t off = static_cast<uint32_t>(grp * ep_);
    for (int a = 0; a < ep_; ++a) {
      for (int b = 0; b < ep_; ++b) {
        const double x = dense[static_cast<size_t>(a) * ep_ + b];
        if (x > 0 && a != b) m.entries.push_back({off + a, off + b, x});
      }
    }
  }
  if (m.entries.empty()) return 0.0;
  MOESIM_ASSIGN_OR_RETURN(Schedule s, build_alltoall_schedule(*topo_, m, AllToAllAlgorithm::kDirect));
  MOESIM_ASSIGN_OR_RETURN(CollectiveOutcome o, runner_->run(s, ccosts_, clock_));
  for (size_t l = 0; l < link_bytes_.size(); ++l) {
    // Migration happens once, not per micro-batch or simulated layer: undo the result's scale.
    const double scale = layer_scale_ * sc_.parallel().micro_batches();
    link_bytes_[l] += (runner_->link_bytes()[l] - seen_bytes_[l]) / scale;
    link_busy_s_[l] += (runner_->link_busy_s()[l] - seen_busy_s_[l]) / scale;
  }
  seen_bytes_ = runner_->link_bytes();
  seen_busy_s_ = runner_->link_busy_s();
  for (int g = 0; g < ep_ * dp_; ++g) {
    if (o.rank_done_s[g] > o.start_s) {
      auto* e = result_.add_timeline();
      e->set_gpu(g);
      e->set_kind(TimelineEvent::MIGRATION);
      e->set_start_s(o.start_s);
      e->set_duration_s(o.rank_done_s[g] - o.start_s);
    }
  }
  clock_ = o.end_s;
  return o.duration();
}

Result<SimResult> StepSimulatorImpl::run() {
  const int steps = static_cast<int>(sc_.steps());
  const double mb = sc_.parallel().micro_batches();
  const int pairs = sc_.parallel().overlap() ? static_cast<int>(sc_.parallel().micro_batches() / 2) : 0;
  const int n = ep_ * dp_;
  const uint32_t rebalance = sc_.placement().rebalance_every();
  std::vector<std::vector<double>> window_loads(sim_layers_.size(), std::vector<double>(num_experts_, 0.0));
  Summary sum;
  double dropped_total = 0;
  for (int step = 0; step < steps; ++step) {
    StepResult sr;
    sr.set_step(step);
    const Seconds step_start = clock_;
    const bool record = step < opt_.timeline_steps;
    cache_.clear();
    if (step == 1) step0_routing_.clear();
    Seconds migration = 0;
    // Continual learning: the expert count may grow; the new experts must be placed.
    if (routing_->num_experts_at(step) != num_experts_) {
      const auto before = phy2log_;
      num_experts_ = routing_->num_experts_at(step);
      MOESIM_RETURN_IF_ERROR(place_added_experts(step, window_loads));
      MOESIM_ASSIGN_OR_RETURN(migration, migrate(before));
      for (auto& w : window_loads) w.assign(num_experts_, 0.0);
    }
    // Dense-only layers (the first k and any between MoE layers).
    const Seconds dense_fwd = dense_layer_time(false), dense_bwd = training_ ? dense_layer_time(true) : 0.0;
    Seconds dense_total = num_dense_ * (dense_fwd + dense_bwd) * mb;
    Seconds dispatch = 0, combine = 0, expert = 0, wait = 0, moe_dense = 0, overlap_saved = 0;
    double imbalance_sum = 0, dropped = 0;
    std::vector<std::vector<double>> step_loads(num_moe_);
    std::vector<LayerTraffic> traffic(sim_layers_.size());
    std::vector<LayerPass> fwd(sim_layers_.size());
    for (size_t li = 0; li < sim_layers_.size(); ++li) {
      const int layer = sim_layers_[li];
      LayerRouting r;
      if (step == 0 && li < step0_routing_.size()) r = std::move(step0_routing_[li]);
      else routing_->route(step, layer, &r);
      traffic[li] = build_layer_traffic(r, phy2log_[li], ep_, gpn_, mix64(sc_.seed() ^ (uint64_t(step) << 32) ^ layer));
      const LayerTraffic& t = traffic[li];
      MOESIM_ASSIGN_OR_RETURN(fwd[li], moe_pass(t, false, step, layer, record));
      step_loads[layer] = t.expert_load;
      for (int e = 0; e < num_experts_ && e < static_cast<int>(t.expert_load.size()); ++e) window_loads[li][e] += t.expert_load[e];
      const double mean = std::accumulate(t.assignments.begin(), t.assignments.end(), 0.0) / ep_;
      const double mx = *std::max_element(t.assignments.begin(), t.assignments.end());
      const double imb = mean > 0 ? mx / mean : 1.0;
      imbalance_sum += imb;
      dropped += t.tokens_dropped * dp_;
      auto* lr = result_.add_layers();
      lr->set_step(step);
      lr->set_layer(layer);
      lr->set_dispatch_time_s(fwd[li].dispatch);
      lr->set_combine_time_s(fwd[li].combine);
      lr->set_expert_compute_time_s(fwd[li].expert_max);
      lr->set_straggler_wait_time_s(fwd[li].wait_mean);
      lr->set_imbalance_max_over_mean(imb);
      lr->set_tokens_dropped(t.tokens_dropped * dp_);
      lr->set_node_token_pairs(std::accumulate(t.node_tokens.begin(), t.node_tokens.end(), 0.0));
      for (int g = 0; g < n; ++g) lr->add_tokens_per_gpu(t.received[g % ep_]);
      for (double x : t.expert_load) lr->add_expert_load(x);
      if (opt_.record_traffic && step == 0) {
        for (int s = 0; s < n; ++s) {
          for (int d = 0; d < n; ++d) {
            const bool same_group = s / ep_ == d / ep_;
            lr->add_traffic_bytes(same_group && s != d
                                      ? t.gpu_tokens[static_cast<size_t>(s % ep_) * ep_ + d % ep_] * costs_.dispatch_bytes_per_token
                                      : 0.0);
          }
        }
      }
    }
    // Backward, last layer first.
    std::vector<LayerPass> bwd(sim_layers_.size());
    if (training_) {
      for (size_t i = sim_layers_.size(); i-- > 0;) {
        MOESIM_ASSIGN_OR_RETURN(bwd[i], moe_pass(traffic[i], true, step, sim_layers_[i], record));
      }
    }
    for (size_t i = 0; i < sim_layers_.size(); ++i) {
      for (const LayerPass* p : {&fwd[i], &bwd[i]}) {
        moe_dense += p->dense;
        dispatch += p->dispatch;
        combine += p->combine;
        expert += p->expert_max;
        wait += p->wait_mean;
        const Seconds comp = p->total - p->dispatch - p->combine;
        overlap_saved += 2.0 * pairs * std::min(comp, p->dispatch + p->combine);
      }
    }
    const double scale = layer_scale_ * mb;
    Seconds simulated_moe = 0;
    for (size_t i = 0; i < sim_layers_.size(); ++i) simulated_moe += fwd[i].total + bwd[i].total;
    const Seconds step_time = simulated_moe * scale + dense_total - overlap_saved * layer_scale_ + migration;
    sr.set_step_time_s(step_time);
    sr.set_dispatch_time_s(dispatch * scale);
    sr.set_combine_time_s(combine * scale);
    sr.set_expert_compute_time_s(expert * scale);
    sr.set_dense_compute_time_s(moe_dense * scale + dense_total);
    sr.set_straggler_wait_time_s(wait * scale);
    sr.set_imbalance_max_over_mean(imbalance_sum / sim_layers_.size());
    sr.set_tokens_dropped(dropped * layer_scale_ * mb);
    sr.set_migration_time_s(migration);
    dropped_total += sr.tokens_dropped();
    // Dense layers are not simulated event by event; advance the clock by their time.
    clock_ = step_start + step_time;
    routing_->end_step(step, step_loads);
    // Rebalancing every K steps, from the loads seen since the last plan.
    if (rebalance > 0 && (step + 1) % rebalance == 0 && step + 1 < steps) {
      const auto before = phy2log_;
      MOESIM_RETURN_IF_ERROR(plan(window_loads, "rebalance after step " + std::to_string(step)));
      MOESIM_ASSIGN_OR_RETURN(Seconds mig, migrate(before));
      sr.set_migration_time_s(sr.migration_time_s() + mig);
      sr.set_step_time_s(sr.step_time_s() + mig);
      for (auto& w : window_loads) std::fill(w.begin(), w.end(), 0.0);
    }
    sum.set_step_time_s(sum.step_time_s() + sr.step_time_s());
    sum.set_dispatch_time_s(sum.dispatch_time_s() + sr.dispatch_time_s());
    sum.set_combine_time_s(sum.combine_time_s() + sr.combine_time_s());
    sum.set_expert_compute_time_s(sum.expert_compute_time_s() + sr.expert_compute_time_s());
    sum.set_dense_compute_time_s(sum.dense_compute_time_s() + sr.dense_compute_time_s());
    sum.set_straggler_wait_time_s(sum.straggler_wait_time_s() + sr.straggler_wait_time_s());
    sum.set_imbalance_max_over_mean(sum.imbalance_max_over_mean() + sr.imbalance_max_over_mean());
    sum.set_migration_time_s(sum.migration_time_s() + sr.migration_time_s());
    sum.set_overlap_saved_s(sum.overlap_saved_s() + overlap_saved * layer_scale_);
    *result_.add_steps() = sr;
    if (opt_.progress) opt_.progress(step + 1, steps);
  }
  const double k = steps;
  sum.set_step_time_s(sum.step_time_s() / k);
  sum.set_dispatch_time_s(sum.dispatch_time_s() / k);
  sum.set_combine_time_s(sum.combine_time_s() / k);
  sum.set_expert_compute_time_s(sum.expert_compute_time_s() / k);
  sum.set_dense_compute_time_s(sum.dense_compute_time_s() / k);
  sum.set_straggler_wait_time_s(sum.straggler_wait_time_s() / k);
  sum.set_imbalance_max_over_mean(sum.imbalance_max_over_mean() / k);
  sum.set_migration_time_s(sum.migration_time_s() / k);
  sum.set_overlap_saved_s(sum.overlap_saved_s() / k);
  sum.set_tokens_dropped(dropped_total / k);
  sum.set_num_gpus(n);
  sum.set_num_steps(steps);
  const double tokens_per_step = static_cast<double>(n) * sc_.parallel().tokens_per_gpu() * mb;
  sum.set_tokens_per_s(sum.step_time_s() > 0 ? tokens_per_step / sum.step_time_s() : 0.0);
  *result_.mutable_summary() = sum;
  *result_.mutable_scenario() = sc_;
  *result_.mutable_topology() = topo_->to_proto();
  const double scale = layer_scale_ * mb;
  const double total_time = sum.step_time_s() * k;
  for (int l = 0; l < topo_->num_links(); ++l) {
    const double bytes = link_bytes_[l] * scale;
    if (bytes <= 0) continue;
    auto* lr = result_.add_links();
    lr->set_link(l);
    lr->set_bytes(bytes);
    lr->set_busy_time_s(link_busy_s_[l] * scale);
    lr->set_utilization(total_time > 0 ? bytes / (topo_->link_bandwidth(l) * total_time) : 0.0);
  }
  // Timeline sorted by GPU, then start time.
  auto* tl = result_.mutable_timeline();
  std::stable_sort(tl->begin(), tl->end(), [](const TimelineEvent& a, const TimelineEvent& b) {
    return a.gpu() != b.gpu() ? a.gpu() < b.gpu() : a.start_s() < b.start_s();
  });
  result_.set_moesim_version(kMoesimVersion);
  return std::move(result_);
}

StepSimulator::StepSimulator(std::unique_ptr<StepSimulatorImpl> impl) : impl_(std::move(impl)) {}
StepSimulator::~StepSimulator() = default;

Result<std::unique_ptr<StepSimulator>> StepSimulator::create(const Scenario& scenario, const std::string& source,
                                                            const SimulationOptions& options) {
  auto impl = std::make_unique<StepSimulatorImpl>();
  impl->sc_ = scenario;
  impl->src_ = source;
  impl->opt_ = options;
  MOESIM_RETURN_IF_ERROR(impl->init());
  return std::unique_ptr<StepSimulator>(new StepSimulator(std::move(impl)));
}

Result<SimResult> StepSimulator::run() { return impl_->run(); }

}  // namespace moesim
