#include "sim/topology/topology.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <numeric>

#include "traces/check.h"

namespace moesim {

const char* vertex_kind_name(VertexKind k) {
  switch (k) {
    case VertexKind::kGpu: return "gpu";
    case VertexKind::kNvSwitch: return "nvswitch";
    case VertexKind::kNic: return "nic";
    case VertexKind::kSwitch: return "switch";
  }
  return "?";
}

const char* link_class_name(LinkClass c) {
  switch (c) {
    case LinkClass::kNvlink: return "nvlink";
    case LinkClass::kPcie: return "pcie";
    case LinkClass::kNetwork: return "network";
  }
  return "?";
}

Topology::Topology(std::string name) : name_(std::move(name)) {}

int Topology::add_vertex(VertexKind kind, std::string name, int node, int tier) {
  MOESIM_CHECK(!finalized_) << "topology is frozen";
  VertexProps p;
  p.kind = kind;
  p.name = std::move(name);
  p.node = node;
  if (tier < 0) {
    tier = kind == VertexKind::kGpu ? 0 : (kind == VertexKind::kSwitch ? 2 : 1);
  }
  p.tier = tier;
  const auto v = boost::add_vertex(p, graph_);
  explicit_rank_.push_back(-1);
  return static_cast<int>(v);
}

void Topology::add_link(int src, int dst, double bandwidth_bytes_per_s, Seconds latency_s, LinkClass cls) {
  MOESIM_CHECK(!finalized_) << "topology is frozen";
  LinkProps p{bandwidth_bytes_per_s, latency_s, cls};
  boost::add_edge(static_cast<size_t>(src), static_cast<size_t>(dst), p, graph_);
  link_src_.push_back(src);
  link_dst_.push_back(dst);
  link_bw_.push_back(bandwidth_bytes_per_s);
  link_latency_.push_back(latency_s);
  link_class_.push_back(cls);
}

void Topology::add_duplex(int a, int b, double bandwidth_bytes_per_s, Seconds latency_s, LinkClass cls) {
  add_link(a, b, bandwidth_bytes_per_s, latency_s, cls);
  add_link(b, a, bandwidth_bytes_per_s, latency_s, cls);
}

void Topology::set_rank(int vertex, int rank) { explicit_rank_[vertex] = rank; }

Status Topology::finalize(const std::string& source) {
  MOESIM_CHECK(!finalized_) << "finalize() twice";
  const int nv = static_cast<int>(boost::num_vertices(graph_));
  const int nl = static_cast<int>(link_src_.size());
  for (int l = 0; l < nl; ++l) {
    const std::string where = "link " + graph_[link_src_[l]].name + " -> " + graph_[link_dst_[l]].name;
    if (!(link_bw_[l] > 0) || !std::isfinite(link_bw_[l])) {
      return make_error(source, where, "bandwidth must be a positive number of bytes/s");
    }
    if (!(link_latency_[l] >= 0) || !std::isfinite(link_latency_[l])) {
      return make_error(source, where, "latency must be a non-negative number of seconds");
    }
    if (link_src_[l] == link_dst_[l]) return make_error(source, where, "a link may not join a vertex to itself");
  }

  // Ranks: explicit for every GPU, or for none (then in vertex order).
  std::vector<int> gpus;
  for (int v = 0; v < nv; ++v) {
    if (graph_[v].kind == VertexKind::kGpu) gpus.push_back(v);
  }
  if (gpus.empty()) return make_error(source, "", "topology has no GPU (no vertex of kind gpu)");
  const int n = static_cast<int>(gpus.size());
  gpu_vertex_.assign(n, -1);
  const bool any_explicit = std::any_of(gpus.begin(), gpus.end(), [&](int v) { return explicit_rank_[v] >= 0; });
  for (int i = 0; i < n; ++i) {
    const int v = gpus[i];
    int r = i;
    if (any_explicit) {
      r = explicit_rank_[v];
      if (r < 0) return make_error(source, "vertex " + graph_[v].name, "some GPUs have a rank attribute and this one has none");
      if (r >= n) {
        return make_error(source, "vertex " + graph_[v].name,
                          "rank " + std::to_string(r) + " out of range (there are " + std::to_string(n) + " GPUs)");
      }
      if (gpu_vertex_[r] >= 0) {
        return make_error(source, "vertex " + graph_[v].name,
                          "rank " + std::to_string(r) + " already taken by " + graph_[gpu_vertex_[r]].name);
      }
    }
    gpu_vertex_[r] = v;
    graph_[v].rank = r;
  }

  // CSR adjacency.
  link_out_begin_.assign(nv + 1, 0);
  link_in_begin_.assign(nv + 1, 0);
  for (int l = 0; l < nl; ++l) {
    ++link_out_begin_[link_src_[l] + 1];
    ++link_in_begin_[link_dst_[l] + 1];
  }
  std::partial_sum(link_out_begin_.begin(), link_out_begin_.end(), link_out_begin_.begin());
  std::partial_sum(link_in_begin_.begin(), link_in_begin_.end(), link_in_begin_.begin());
  out_links_.assign(nl, 0);
  in_links_.assign(nl, 0);
  {
    std::vector<uint32_t> o(link_out_begin_.begin(), link_out_begin_.end() - 1);
    std::vector<uint32_t> i(link_in_begin_.begin(), link_in_begin_.end() - 1);
    for (int l = 0; l < nl; ++l) {
      out_links_[o[link_src_[l]]++] = l;
      in_links_[i[link_dst_[l]]++] = l;
    }
  }

  // Forwarding: switches and NICs forward; GPUs only where all their neighbours are GPUs.
  forwards_.assign(nv, 1);
  for (int v = 0; v < nv; ++v) {
    if (graph_[v].kind != VertexKind::kGpu) continue;
    bool only_gpus = link_out_begin_[v + 1] > link_out_begin_[v];
    for (uint32_t i = link_out_begin_[v]; i < link_out_begin_[v + 1]; ++i) {
      only_gpus &= graph_[link_dst_[out_links_[i]]].kind == VertexKind::kGpu;
    }
    for (uint32_t i = link_in_begin_[v]; i < link_in_begin_[v + 1]; ++i) {
      only_gpus &= graph_[link_src_[in_links_[i]]].kind == VertexKind::kGpu;
    }
    forwards_[v] = only_gpus ? 1 : 0;
  }

  // Nodes: given for every GPU, or inferred as the components joined by NVLink/PCIe links.
  const bool all_nodes_given =
      std::all_of(gpus.begin(), gpus.end(), [&](int v) { return graph_[v].node >= 0; });
  std::vector<int> node_of_vertex(nv, -1);
  if (all_nodes_given) {
    for (int v = 0; v < nv; ++v) node_of_vertex[v] = graph_[v].node;
  } else {
    int comp = 0;
    for (int v = 0; v < nv; ++v) {
      if (node_of_vertex[v] >= 0 || graph_[v].kind == VertexKind::kSwitch) continue;
      std::deque<int> q{v};
      node_of_vertex[v] = comp;
      while (!q.empty()) {
        const int u = q.front();
        q.pop_front();
        auto visit = [&](int w, uint32_t l) {
          if (link_class_[l] == LinkClass::kNetwork || node_of_vertex[w] >= 0) return;
          if (graph_[w].kind == VertexKind::kSwitch) return;
          // In a torus GPUs are the routers: each GPU is its own node.
          if (graph_[u].kind == VertexKind::kGpu && graph_[w].kind == VertexKind::kGpu && forwards_[u]) return;
          node_of_vertex[w] = comp;
          q.push_back(w);
        };
        for (uint32_t i = link_out_begin_[u]; i < link_out_begin_[u + 1]; ++i) visit(link_dst_[out_links_[i]], out_links_[i]);
        for (uint32_t i = link_in_begin_[u]; i < link_in_begin_[u + 1]; ++i) visit(link_src_[in_links_[i]], in_links_[i]);
      }
      ++comp;
    }
  }
  // Dense node ids in order of the lowest rank on each node.
  std::map<int, int> dense;
  rank_node_.assign(n, 0);
  for (int r = 0; r < n; ++r) {
    const int raw = node_of_vertex[gpu_vertex_[r]];
    auto it = dense.find(raw);
    if (it == dense.end()) it = dense.emplace(raw, static_cast<int>(dense.size())).first;
    rank_node_[r] = it->second;
  }
  num_nodes_ = static_cast<int>(dense.size());
  for (int v = 0; v < nv; ++v) {
    auto it = dense.find(node_of_vertex[v]);
    graph_[v].node = (node_of_vertex[v] >= 0 && it != dense.end()) ? it->second : -1;
  }
  node_ranks_.assign(num_nodes_, {});
  rank_local_.assign(n, 0);
  for (int r = 0; r < n; ++r) {
    rank_local_[r] = static_cast<int>(node_ranks_[rank_node_[r]].size());
    node_ranks_[rank_node_[r]].push_back(r);
  }
  gpus_per_node_ = static_cast<int>(node_ranks_[0].size());
  for (const auto& nr : node_ranks_) {
    if (static_cast<int>(nr.size()) != gpus_per_node_) gpus_per_node_ = 0;
  }
  finalized_ = true;
  return {};
}

std::string Topology::link_name(uint32_t l) const {
  return graph_[link_src_[l]].name + "->" + graph_[link_dst_[l]].name;
}

void Topology::scale_bandwidth(LinkClass cls, double factor) {
  for (size_t l = 0; l < link_bw_.size(); ++l) {
    if (link_class_[l] == cls) link_bw_[l] *= factor;
  }
}

void Topology::set_class_figures(LinkClass cls, double bandwidth_bytes_per_s, Seconds latency_s) {
  for (size_t l = 0; l < link_bw_.size(); ++l) {
    if (link_class_[l] != cls) continue;
    if (bandwidth_bytes_per_s > 0) link_bw_[l] = bandwidth_bytes_per_s;
    if (latency_s >= 0) link_latency_[l] = latency_s;
  }
}

TopologyGraph Topology::to_proto() const {
  TopologyGraph g;
  g.set_name(name_);
  for (int v = 0; v < num_vertices(); ++v) {
    auto* pv = g.add_vertices();
    const auto& p = graph_[v];
    pv->set_name(p.name);
    pv->set_kind(vertex_kind_name(p.kind));
    pv->set_node(p.node);
    pv->set_tier(p.tier);
    pv->set_rank(p.rank);
  }
  for (int l = 0; l < num_links(); ++l) {
    auto* pl = g.add_links();
    pl->set_src(link_src_[l]);
    pl->set_dst(link_dst_[l]);
    pl->set_bandwidth_bytes_per_s(link_bw_[l]);
    pl->set_latency_s(link_latency_[l]);
    pl->set_link_class(link_class_name(link_class_[l]));
  }
  return g;
}

}  // namespace moesim
