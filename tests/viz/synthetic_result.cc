#include "tests/viz/synthetic_result.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace moesim::viz::testing {
namespace {

constexpr double kTokensPerGpu = 4096;   // routed tokens per GPU per layer
constexpr int kTopK = 2;
constexpr double kBytesPerToken = 7168 * 2;  // hidden size x BF16
constexpr double kNvlinkBytesPerS = 450e9, kPcieBytesPerS = 64e9, kNetBytesPerS = 50e9;

// Expert weights of a layer at a step: Zipf with an exponent growing over training, on a
// layer-specific permutation of experts (so each layer has different hot experts).
std::vector<double> expert_load(const SyntheticShape& s, int step, int layer) {
  const int num_gpus = s.nodes * s.gpus_per_node;
  const double alpha = 0.2 + 1.2 * step / std::max(1, s.steps - 1);
  std::vector<int> perm(s.experts);
  std::iota(perm.begin(), perm.end(), 0);
  for (int i = s.experts - 1; i > 0; --i) std::swap(perm[i], perm[(i * 7 + layer * 13 + 5) % (i + 1)]);
  std::vector<double> w(s.experts);
  double total = 0;
  for (int r = 0; r < s.experts; ++r) total += w[perm[r]] = 1.0 / std::pow(r + 1.0, alpha);
  const double assignments = kTokensPerGpu * num_gpus * kTopK;
  for (double& x : w) x = std::round(x / total * assignments);
  return w;
}

}  // namespace

int64_t synthetic_timeline_events(const SyntheticShape& s) {
  const int steps = s.timeline_steps < 0 ? s.steps : s.timeline_steps;
  return int64_t{s.nodes} * s.gpus_per_node * steps * s.layers * 6;
}

SimResult make_synthetic_result(const SyntheticShape& s) {
  SimResult r;
  const int num_gpus = s.nodes * s.gpus_per_node;
  const int base_slots = (s.experts + num_gpus - 1) / num_gpus;
  const int slots = base_slots + s.redundant_slots_per_gpu;
  r.set_moesim_version("synthetic-fixture");

  Scenario* sc = r.mutable_scenario();
  sc->set_name("synthetic viz fixture");
  sc->set_mode("training");
  sc->set_steps(s.steps);
  sc->mutable_model()->set_name("synthetic-moe");
  sc->mutable_model()->set_num_routed_experts(s.experts);
  sc->mutable_model()->set_top_k(kTopK);
  sc->mutable_parallel()->set_ep(num_gpus);
  sc->mutable_topology()->set_preset("rail");
  (*sc->mutable_topology()->mutable_params())["nodes"] = std::to_string(s.nodes);
  sc->set_algorithm("direct");
  sc->set_network("flow");
  sc->mutable_placement()->set_policy("contiguous");

  // Topology: GPUs (tier 0); per node an NVSwitch and one NIC per GPU (tier 1); one leaf per
  // rail (tier 2); two spines (tier 3). Every physical link in both directions.
  TopologyGraph* g = r.mutable_topology();
  g->set_name("synthetic rail-optimised");
  auto add_vertex = [&](const std::string& name, const std::string& kind, int node, int tier, int rank) {
    TopologyVertex* v = g->add_vertices();
    v->set_name(name);
    v->set_kind(kind);
    v->set_node(node);
    v->set_tier(tier);
    v->set_rank(rank);
    return g->vertices_size() - 1;
  };
  auto add_link = [&](int a, int b, double bw, const std::string& cls) {
    for (auto [src, dst] : {std::pair{a, b}, std::pair{b, a}}) {
      TopologyLink* l = g->add_links();
      l->set_src(src);
      l->set_dst(dst);
      l->set_bandwidth_bytes_per_s(bw);
      l->set_latency_s(cls == "network" ? 2e-6 : 5e-7);
      l->set_link_class(cls);
    }
  };
  std::vector<int> gpu_vertex(num_gpus);
  for (int n = 0; n < s.nodes; ++n) {
    for (int k = 0; k < s.gpus_per_node; ++k) {
      const int rank = n * s.gpus_per_node + k;
      gpu_vertex[rank] = add_vertex("gpu" + std::to_string(rank), "gpu", n, 0, rank);
    }
  }
  std::vector<int> leaf(s.gpus_per_node);
  for (int k = 0; k < s.gpus_per_node; ++k) leaf[k] = add_vertex("leaf" + std::to_string(k), "switch", -1, 2, -1);
  const int spine0 = add_vertex("spine0", "switch", -1, 3, -1);
  const int spine1 = add_vertex("spine1", "switch", -1, 3, -1);
  for (int n = 0; n < s.nodes; ++n) {
    const int nvs = add_vertex("node" + std::to_string(n) + ".nvswitch", "nvswitch", n, 1, -1);
    for (int k = 0; k < s.gpus_per_node; ++k) {
      const int rank = n * s.gpus_per_node + k;
      add_link(gpu_vertex[rank], nvs, kNvlinkBytesPerS, "nvlink");
      const int nic = add_vertex("node" + std::to_string(n) + ".nic" + std::to_string(k), "nic", n, 1, -1);
      add_link(gpu_vertex[rank], nic, kPcieBytesPerS, "pcie");
      add_link(nic, leaf[k], kNetBytesPerS, "network");
    }
  }
  for (int k = 0; k < s.gpus_per_node; ++k) {
    add_link(leaf[k], spine0, 8 * kNetBytesPerS, "network");
    add_link(leaf[k], spine1, 8 * kNetBytesPerS, "network");
  }

  // Placement: experts contiguous over GPUs, then each GPU's extra slots hold replicas of the
  // hottest experts of the last step (EPLB-like), one layer entry per layer.
  Placement* p = r.mutable_placement();
  p->set_num_gpus(num_gpus);
  p->set_slots_per_gpu(slots);
  p->set_num_experts(s.experts);
  p->set_policy("contiguous");
  std::vector<std::vector<int>> phy2log(s.layers);
  for (int l = 0; l < s.layers; ++l) {
    const std::vector<double> last = expert_load(s, s.steps - 1, l);
    std::vector<int> hot(s.experts);
    std::iota(hot.begin(), hot.end(), 0);
    std::stable_sort(hot.begin(), hot.end(), [&](int a, int b) { return last[a] > last[b]; });
    std::vector<int>& map = phy2log[l];
    map.assign(static_cast<size_t>(num_gpus) * slots, -1);
    for (int e = 0; e < s.experts; ++e) map[(e / base_slots) * slots + e % base_slots] = e;
    int next_hot = 0;
    for (int gpu = 0; gpu < num_gpus; ++gpu) {
      for (int k = base_slots; k < slots; ++k) map[gpu * slots + k] = hot[next_hot++ % s.experts];
    }
    LayerPlacement* lp = p->add_layers();
    for (int e : map) lp->add_phy2log(e);
  }

  // Per step and layer: expert load, tokens per GPU (load split evenly over replicas),
  // traffic (every GPU routes the same share to each expert) and times derived from them.
  double t = 0;
  double total_step_time = 0;
  std::vector<double> link_bytes(g->links_size(), 0.0);
  const int timeline_steps = s.timeline_steps < 0 ? s.steps : s.timeline_steps;
  for (int step = 0; step < s.steps; ++step) {
    double step_time = 0, step_dispatch = 0, step_combine = 0, step_expert = 0, step_imb = 0, step_wait = 0;
    for (int l = 0; l < s.layers; ++l) {
      const std::vector<double> load = expert_load(s, step, l);
      std::vector<int> replicas(s.experts, 0);
      for (int e : phy2log[l]) ++replicas[e];
      std::vector<double> gpu_tokens(num_gpus, 0.0);
      for (size_t slot = 0; slot < phy2log[l].size(); ++slot) {
        const int e = phy2log[l][slot];
        gpu_tokens[slot / slots] += load[e] / replicas[e];
      }
      const double mean = std::accumulate(gpu_tokens.begin(), gpu_tokens.end(), 0.0) / num_gpus;
      const double max = *std::max_element(gpu_tokens.begin(), gpu_tokens.end());
      LayerResult* lr = r.add_layers();
      lr->set_step(step);
      lr->set_layer(l);
      for (double x : load) lr->add_expert_load(x);
      for (double x : gpu_tokens) lr->add_tokens_per_gpu(x);
      lr->set_imbalance_max_over_mean(max / mean);
      const double expert_s = max * 3 * 2 * 7168 * 2048 / 400e12;  // slowest GPU's grouped GEMM
      const double dispatch_s = max * kBytesPerToken / kNetBytesPerS * 0.25;
      const double combine_s = dispatch_s * 2;  // BF16 combine vs FP8 dispatch
      lr->set_expert_compute_time_s(expert_s);
      lr->set_dispatch_time_s(dispatch_s);
      lr->set_combine_time_s(combine_s);
      if (s.traffic) {
        for (int src = 0; src < num_gpus; ++src) {
          for (int dst = 0; dst < num_gpus; ++dst) {
            const double bytes = src == dst ? 0 : gpu_tokens[dst] / num_gpus * kBytesPerToken;
            lr->add_traffic_bytes(bytes);
          }
        }
      }
      // Link bytes: inter-node traffic over NIC links, intra-node over NVLink (both ends).
      for (int li = 0; li < g->links_size(); ++li) {
        const auto& link = g->links(li);
        const double share = link.link_class() == "nvlink" ? 0.6 : link.link_class() == "pcie" ? 0.4 : 0.3;
        const int gv = static_cast<int>(std::min(link.src(), link.dst()));
        const double weight = gv < num_gpus ? gpu_tokens[g->vertices(gv).rank()] / mean : 1.0;
        link_bytes[li] += share * weight * mean * kBytesPerToken;
      }
      const double dense_s = 2e-4, gating_s = 2e-5;
      if (step < timeline_steps) {
        for (int gpu = 0; gpu < num_gpus; ++gpu) {
          const double own_expert_s = expert_s * gpu_tokens[gpu] / max;
          double at = t;
          auto add = [&](TimelineEvent::Kind kind, double d) {
            TimelineEvent* e = r.add_timeline();
            e->set_gpu(gpu);
            e->set_kind(kind);
            e->set_start_s(at);
            e->set_duration_s(d);
            e->set_step(step);
            e->set_layer(l);
            at += d;
          };
          add(TimelineEvent::DENSE, dense_s);
          add(TimelineEvent::GATING, gating_s);
          add(TimelineEvent::DISPATCH, dispatch_s);
          add(TimelineEvent::EXPERT, own_expert_s);
          add(TimelineEvent::WAIT, expert_s - own_expert_s);
          add(TimelineEvent::COMBINE, combine_s);
        }
      }
      const double layer_s = dense_s + gating_s + dispatch_s + expert_s + combine_s;
      t += layer_s;
      step_time += layer_s;
      step_dispatch += dispatch_s;
      step_combine += combine_s;
      step_expert += expert_s;
      step_imb += max / mean;
      step_wait += expert_s * (1 - mean / max);
    }
    StepResult* sr = r.add_steps();
    sr->set_step(step);
    sr->set_step_time_s(step_time);
    sr->set_dispatch_time_s(step_dispatch);
    sr->set_combine_time_s(step_combine);
    sr->set_expert_compute_time_s(step_expert);
    sr->set_dense_compute_time_s(s.layers * 2.2e-4);
    sr->set_straggler_wait_time_s(step_wait);
    sr->set_imbalance_max_over_mean(step_imb / s.layers);
    total_step_time += step_time;
  }
  // The timeline is sorted by GPU, then start time, as the simulator writes it.
  std::stable_sort(r.mutable_timeline()->begin(), r.mutable_timeline()->end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) {
                     return a.gpu() != b.gpu() ? a.gpu() < b.gpu() : a.start_s() < b.start_s();
                   });
  for (int li = 0; li < g->links_size(); ++li) {
    LinkResult* lr = r.add_links();
    lr->set_link(li);
    lr->set_bytes(link_bytes[li]);
    const double bw = g->links(li).bandwidth_bytes_per_s();
    lr->set_busy_time_s(std::min(t, link_bytes[li] / bw));
    lr->set_utilization(link_bytes[li] / (bw * t));
  }
  Summary* sum = r.mutable_summary();
  sum->set_num_gpus(num_gpus);
  sum->set_num_steps(s.steps);
  double dispatch = 0, combine = 0, expert = 0, imb = 0, wait = 0;
  for (const auto& st : r.steps()) {
    dispatch += st.dispatch_time_s();
    combine += st.combine_time_s();
    expert += st.expert_compute_time_s();
    imb += st.imbalance_max_over_mean();
    wait += st.straggler_wait_time_s();
  }
  sum->set_step_time_s(total_step_time / s.steps);
  sum->set_dispatch_time_s(dispatch / s.steps);
  sum->set_combine_time_s(combine / s.steps);
  sum->set_expert_compute_time_s(expert / s.steps);
  sum->set_dense_compute_time_s(s.layers * 2.2e-4);
  sum->set_straggler_wait_time_s(wait / s.steps);
  sum->set_imbalance_max_over_mean(imb / s.steps);
  sum->set_tokens_per_s(kTokensPerGpu * num_gpus / (total_step_time / s.steps));
  return r;
}

}  // namespace moesim::viz::testing
