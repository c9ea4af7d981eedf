#include "sim/topology/router.h"

#include <algorithm>

namespace moesim {

void Router::distances_to(int dst_vertex, DistanceField* f) const {
  const int nv = t_.num_vertices();
  f->dst_vertex = dst_vertex;
  f->dist.assign(nv, DistanceField::kUnreachable);
  f->order.clear();
  f->order.reserve(nv);
  f->dist[dst_vertex] = 0;
  f->order.push_back(dst_vertex);
  for (size_t head = 0; head < f->order.size(); ++head) {
    const int v = static_cast<int>(f->order[head]);
    // Only the destination and forwarding vertices pass traffic on toward the destination.
    if (v != dst_vertex && !t_.forwards(v)) continue;
    const uint32_t d = f->dist[v] + 1;
    for (uint32_t i = t_.in_begin(v); i < t_.in_end(v); ++i) {
      const int u = t_.link_src(t_.in_link(i));
      if (f->dist[u] == DistanceField::kUnreachable) {
        f->dist[u] = d;
        f->order.push_back(static_cast<uint32_t>(u));
      }
    }
  }
}

double Router::route(int src_vertex, const DistanceField& f, uint64_t flow_hash, PathScratch* s,
                     std::vector<LinkShare>* out) const {
  if (f.dist[src_vertex] == DistanceField::kUnreachable) return -1;
  if (src_vertex == f.dst_vertex) return 0;
  const int nv = t_.num_vertices();
  if (static_cast<int>(s->frac.size()) < nv) {
    s->frac.assign(nv, 0.0);
    s->lat.assign(nv, 0.0);
  }
  s->layer.assign(1, src_vertex);
  s->frac[src_vertex] = 1.0;
  s->lat[src_vertex] = 0.0;
  double latency = 0;
  // Walk the shortest-path DAG one distance layer at a time; every vertex of a layer has the
  // same distance, so each is finished before its successors are visited.
  while (!s->layer.empty()) {
    s->next_layer.clear();
    for (int u : s->layer) {
      const double fu = s->frac[u];
      const double lu = s->lat[u];
      s->frac[u] = 0.0;  // leave the scratch clean
      if (u == f.dst_vertex) {
        latency = std::max(latency, lu);
        continue;
      }
      const uint32_t want = f.dist[u] - 1;
      // Next hops: links to a vertex one hop closer that either is the destination or relays.
      uint32_t count = 0;
      for (uint32_t i = t_.out_begin(u); i < t_.out_end(u); ++i) {
        const int v = t_.link_dst(t_.out_link(i));
        if (f.dist[v] == want && (v == f.dst_vertex || t_.forwards(v))) ++count;
      }
      uint32_t pick = 0;
      if (mode_ == EcmpMode::kHash) pick = static_cast<uint32_t>(mix64(flow_hash ^ (static_cast<uint64_t>(u) << 32)) % count);
      const double share = mode_ == EcmpMode::kHash ? fu : fu / count;
      uint32_t k = 0;
      for (uint32_t i = t_.out_begin(u); i < t_.out_end(u); ++i) {
        const uint32_t l = t_.out_link(i);
        const int v = t_.link_dst(l);
        if (!(f.dist[v] == want && (v == f.dst_vertex || t_.forwards(v)))) continue;
        if (mode_ == EcmpMode::kHash && k++ != pick) continue;
        out->push_back(LinkShare{l, static_cast<float>(share)});
        if (s->frac[v] == 0.0) {
          s->next_layer.push_back(v);
          s->lat[v] = 0.0;
        }
        s->frac[v] += share;
        s->lat[v] = std::max(s->lat[v], lu + t_.link_latency(l));
      }
    }
    std::swap(s->layer, s->next_layer);
  }
  return latency;
}

Status Router::check_all_pairs(const std::string& source) const {
  DistanceField f;
  for (int d = 0; d < t_.num_gpus(); ++d) {
    distances_to(t_.gpu_vertex(d), &f);
    for (int s = 0; s < t_.num_gpus(); ++s) {
      if (f.dist[t_.gpu_vertex(s)] == DistanceField::kUnreachable) {
        return make_error(source, "", "GPU " + t_.vertex(t_.gpu_vertex(s)).name + " (rank " + std::to_string(s) +
                                          ") cannot reach GPU " + t_.vertex(t_.gpu_vertex(d)).name + " (rank " +
                                          std::to_string(d) + "): the topology is disconnected");
      }
    }
  }
  return {};
}

}  // namespace moesim
