#include "sim/calibration/calibration.h"

#include <algorithm>
#include <cmath>

#include "sim/collectives/alltoall_study.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

Status check_number(double v, const std::string& source, const std::string& field, bool positive) {
  if (!std::isfinite(v) || v < 0 || (positive && v == 0)) {
    return make_error(source, field, std::string("must be a ") + (positive ? "positive" : "non-negative") +
                                         " finite number, got " + std::to_string(v));
  }
  return {};
}

bool in_range(double x, double lo, double hi) { return x >= lo && (hi == 0 || x < hi); }

}  // namespace

Status check_calibration(const Calibration& c, const std::string& source) {
  for (int i = 0; i < c.links_size(); ++i) {
    const auto& l = c.links(i);
    const std::string f = "links[" + std::to_string(i) + "]";
    if (l.link_class() != "same-node" && l.link_class() != "other-node") {
      return make_error(source, f + ".link_class", "expected same-node or other-node, got '" + l.link_class() + "'");
    }
    MOESIM_RETURN_IF_ERROR(check_number(l.latency_s(), source, f + ".latency_s", false));
    MOESIM_RETURN_IF_ERROR(check_number(l.bandwidth_bytes_per_s(), source, f + ".bandwidth_bytes_per_s", true));
    MOESIM_RETURN_IF_ERROR(check_number(l.min_message_bytes(), source, f + ".min_message_bytes", false));
    MOESIM_RETURN_IF_ERROR(check_number(l.max_message_bytes(), source, f + ".max_message_bytes", false));
  }
  double prev_max = 0;
  for (int i = 0; i < c.alltoall_size(); ++i) {
    const auto& r = c.alltoall(i);
    const std::string f = "alltoall[" + std::to_string(i) + "]";
    MOESIM_RETURN_IF_ERROR(check_number(r.min_message_bytes(), source, f + ".min_message_bytes", false));
    MOESIM_RETURN_IF_ERROR(check_number(r.max_message_bytes(), source, f + ".max_message_bytes", false));
    MOESIM_RETURN_IF_ERROR(check_number(r.launch_s(), source, f + ".launch_s", false));
    MOESIM_RETURN_IF_ERROR(check_number(r.per_message_s(), source, f + ".per_message_s", false));
    MOESIM_RETURN_IF_ERROR(check_number(r.rank_bandwidth_bytes_per_s(), source, f + ".rank_bandwidth_bytes_per_s", true));
    MOESIM_RETURN_IF_ERROR(check_number(r.shared_bandwidth_bytes_per_s(), source, f + ".shared_bandwidth_bytes_per_s", false));
    MOESIM_RETURN_IF_ERROR(check_number(r.link_latency_s(), source, f + ".link_latency_s", false));
    if (i > 0 && r.min_message_bytes() < prev_max) {
      return make_error(source, f + ".min_message_bytes", "regimes must be in increasing order of message size");
    }
    if (r.max_message_bytes() != 0 && r.max_message_bytes() <= r.min_message_bytes()) {
      return make_error(source, f + ".max_message_bytes", "must exceed min_message_bytes (or be 0 for no bound)");
    }
    prev_max = r.max_message_bytes();
  }
  if (c.has_gemm() && c.gemm().max_flops() != 0) {
    MOESIM_RETURN_IF_ERROR(check_number(c.gemm().max_flops(), source, "gemm.max_flops", true));
    MOESIM_RETURN_IF_ERROR(check_number(c.gemm().half_efficiency_tokens(), source, "gemm.half_efficiency_tokens", false));
    MOESIM_RETURN_IF_ERROR(check_number(c.gemm().launch_s(), source, "gemm.launch_s", false));
  }
  for (int i = 0; i < c.kernels_size(); ++i) {
    const std::string f = "kernels[" + std::to_string(i) + "]";
    MOESIM_RETURN_IF_ERROR(check_number(c.kernels(i).overhead_s(), source, f + ".overhead_s", false));
    MOESIM_RETURN_IF_ERROR(check_number(c.kernels(i).tokens_per_s(), source, f + ".tokens_per_s", true));
  }
  return {};
}

Result<Calibration> load_calibration(const std::string& path) {
  Calibration c;
  MOESIM_RETURN_IF_ERROR(load_proto(path, &c));
  MOESIM_RETURN_IF_ERROR(check_calibration(c, path));
  if (c.alltoall_size() == 0 && c.links_size() == 0 && (!c.has_gemm() || c.gemm().max_flops() == 0)) {
    return make_error(path, "", "calibration holds no fitted figures (no alltoall regimes, links or gemm)");
  }
  return c;
}

Status check_holdout(const std::string& holdout) {
  if (holdout == "odd-indices" || holdout == "none") return {};
  return Error{"--holdout: expected odd-indices or none, got '" + holdout + "'"};
}

bool record_used_by_fit(const ProfileRecord& r, const std::string& holdout) {
  if (r.benchmark() == "alltoallv") return false;
  if (r.timed_out() || !r.error().empty() || !(r.median_s() > 0)) return false;
  if (holdout == "none") return true;
  return r.index() % 2 == 0;
}

const AllToAllRegime* alltoall_regime(const Calibration& c, double message_bytes) {
  if (c.alltoall_size() == 0) return nullptr;
  for (const auto& r : c.alltoall()) {
    if (in_range(message_bytes, r.min_message_bytes(), r.max_message_bytes())) return &r;
  }
  return message_bytes < c.alltoall(0).min_message_bytes() ? &c.alltoall(0) : &c.alltoall(c.alltoall_size() - 1);
}

const LinkClassCalibration* link_calibration(const Calibration& c, const std::string& link_class,
                                             double message_bytes) {
  const LinkClassCalibration* first = nullptr;
  const LinkClassCalibration* last = nullptr;
  for (const auto& l : c.links()) {
    if (l.link_class() != link_class) continue;
    if (in_range(message_bytes, l.min_message_bytes(), l.max_message_bytes())) return &l;
    if (!first) first = &l;
    last = &l;
  }
  if (!first) return nullptr;
  return message_bytes < first->min_message_bytes() ? first : last;
}

double regime_message_bytes(const TrafficMatrix& m) {
  if (m.uniform) return m.uniform_bytes;
  if (m.num_gpus < 2) return 0.0;
  std::vector<double> sent(static_cast<size_t>(m.num_gpus), 0.0), received(sent.size(), 0.0);
  for (const auto& e : m.entries) {
    if (e.src == e.dst || e.bytes <= 0) continue;
    sent[e.src] += e.bytes;
    received[e.dst] += e.bytes;
  }
  double busiest = 0;
  for (size_t r = 0; r < sent.size(); ++r) busiest = std::max({busiest, sent[r], received[r]});
  return busiest / (m.num_gpus - 1);
}

Result<std::unique_ptr<Topology>> build_shared_star(int num_ranks, double rank_bw, double shared_bw, double latency_s,
                                                    const std::vector<int>& rank_node, bool self_ports) {
  if (num_ranks < 1) return Error{"calibration: the measured topology needs at least one rank"};
  auto t = std::make_unique<Topology>("measured");
  const int hub_in = t->add_vertex(VertexKind::kSwitch, "hub_in", -1, 2);
  const int hub_out = shared_bw > 0 ? t->add_vertex(VertexKind::kSwitch, "hub_out", -1, 2) : hub_in;
  if (shared_bw > 0) t->add_link(hub_in, hub_out, shared_bw, 0.0, LinkClass::kPcie);
  for (int r = 0; r < num_ranks; ++r) {
    const int node = r < static_cast<int>(rank_node.size()) ? rank_node[r] : 0;
    const int v = t->add_vertex(VertexKind::kGpu, "rank" + std::to_string(r), node, 0);
    t->add_link(v, hub_in, rank_bw, latency_s, LinkClass::kPcie);
    t->add_link(hub_out, v, rank_bw, latency_s, LinkClass::kPcie);
  }
  for (int r = 0; self_ports && r < num_ranks; ++r) {
    const int node = r < static_cast<int>(rank_node.size()) ? rank_node[r] : 0;
    const int v = t->add_vertex(VertexKind::kGpu, "rank" + std::to_string(r) + ".self", node, 0);
    t->add_link(v, hub_in, rank_bw, latency_s, LinkClass::kPcie);
  }
  MOESIM_RETURN_IF_ERROR(t->finalize("calibration topology"));
  return t;
}

Result<std::unique_ptr<Topology>> build_measured_topology(const Calibration& c, double message_bytes) {
  const AllToAllRegime* r = alltoall_regime(c, message_bytes);
  if (!r) return Error{"calibration: no all-to-all regime was fitted (was alltoall measured on 2+ ranks?)"};
  std::vector<int> nodes(c.environment().rank_node().begin(), c.environment().rank_node().end());
  return build_shared_star(static_cast<int>(c.environment().num_ranks()), r->rank_bandwidth_bytes_per_s(),
                           r->shared_bandwidth_bytes_per_s(), r->link_latency_s(), nodes, r->self_copy());
}

TrafficMatrix dense_with_self(int n, const std::vector<double>& row_major) {
  TrafficMatrix m = TrafficMatrix::Dense(n, row_major);
  for (int r = 0; r < n; ++r) {
    const double b = row_major[static_cast<size_t>(r) * n + r];
    if (b > 0) m.entries.push_back({static_cast<uint32_t>(r), static_cast<uint32_t>(r), b});
  }
  return m;
}

TrafficMatrix self_copy_traffic(const TrafficMatrix& m) {
  const uint32_t n = static_cast<uint32_t>(m.num_gpus);
  TrafficMatrix out;
  out.num_gpus = 2 * m.num_gpus;
  if (m.uniform) {
    out.entries.reserve(static_cast<size_t>(n) * n);
    for (uint32_t s = 0; s < n; ++s) {
      for (uint32_t d = 0; d < n; ++d) out.entries.push_back({s == d ? n + s : s, d, m.uniform_bytes});
    }
    return out;
  }
  out.entries.reserve(m.entries.size());
  for (const auto& e : m.entries) out.entries.push_back({e.src == e.dst ? n + e.src : e.src, e.dst, e.bytes});
  return out;
}

Result<AllToAllResult> simulate_on_measured_machine(const Calibration& c, const TrafficMatrix& m, double size_bytes,
                                                    AllToAllOptions opt, bool keep_costs) {
  const double msg = regime_message_bytes(m);
  const AllToAllRegime* r = alltoall_regime(c, msg);
  MOESIM_ASSIGN_OR_RETURN(auto topo, build_measured_topology(c, msg));
  if (!keep_costs) opt.costs = calibrated_costs(c, msg);
  if (r == nullptr || !r->self_copy()) {
    TrafficMatrix peers = m;
    std::erase_if(peers.entries, [](const TrafficMatrix::Entry& e) { return e.src == e.dst; });
    return simulate_alltoall(*topo, peers, size_bytes, opt);
  }
  MOESIM_ASSIGN_OR_RETURN(AllToAllResult res, simulate_alltoall(*topo, self_copy_traffic(m), size_bytes, opt));
  // The self ports are not ranks: report the n ranks, and the bytes that crossed to a peer.
  const int n = m.num_gpus;
  res.set_num_gpus(static_cast<uint32_t>(n));
  res.set_total_bytes(m.total_bytes());
  res.set_busbw_gb_per_s(res.algbw_gb_per_s() * (n - 1.0) / n);
  return res;
}

CollectiveCosts calibrated_costs(const Calibration& c, double message_bytes) {
  const AllToAllRegime* r = alltoall_regime(c, message_bytes);
  if (!r) return default_collective_costs();
  return CollectiveCosts{r->launch_s(), r->per_message_s()};
}

void apply_link_calibration(const Calibration& c, double message_bytes, Topology* topo) {
  if (const auto* l = link_calibration(c, "same-node", message_bytes)) {
    topo->set_class_figures(LinkClass::kNvlink, l->bandwidth_bytes_per_s(), l->latency_s() / 2);
    topo->set_class_figures(LinkClass::kPcie, l->bandwidth_bytes_per_s(), l->latency_s() / 2);
  }
  if (const auto* l = link_calibration(c, "other-node", message_bytes)) {
    topo->set_class_figures(LinkClass::kNetwork, l->bandwidth_bytes_per_s(), l->latency_s() / 2);
  }
}

void apply_gemm_calibration(const Calibration& c, HardwareSpec* hw) {
  if (!c.has_gemm() || c.gemm().max_flops() <= 0) return;
  const auto& g = c.gemm();
  if (hw->peak_flops() < g.max_flops()) hw->set_peak_flops(g.max_flops());
  hw->set_max_gemm_efficiency(g.max_flops() / hw->peak_flops());
  hw->set_half_efficiency_tokens(g.half_efficiency_tokens());
  hw->set_kernel_launch_s(g.launch_s());
}

}  // namespace moesim
