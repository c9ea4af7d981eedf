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
  // Next-hop lists, so that routing a flow walks only the links it may take.
  f->next_begin.assign(nv + 1, 0);
  f->next_link.clear();
  for (int u = 0; u < nv; ++u) {
    f->next_begin[u] = static_cast<uint32_t>(f->next_link.size());
    if (f->dist[u] == DistanceField::kUnreachable || u == dst_vertex) continue;
    const uint32_t want = f->dist[u] - 1;
    for (uint32_t i = t_.out_begin(u); i < t_.out_end(u); ++i) {
      const uint32_t l = t_.out_link(i);
      const int v = t_.link_dst(l);
      if (f->dist[v] == want && (v == dst_vertex || t_.forwards(v))) f->next_link.push_back(l);
    }
  }
  f->next_begin[nv] = static_cast<uint32_t>(f->next_link.size());
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
      const uint32_t b = f.next_begin[u], e = f.next_begin[u + 1];
      const uint32_t count = e - b;
      uint32_t first = b, last = e;
      double share = fu / count;
      if (mode_ == EcmpMode::kHash) {
        first = b + static_cast<uint32_t>(mix64(flow_hash ^ (static_cast<uint64_t>(u) << 32)) % count);
        last = first + 1;
        share = fu;
      }
      for (uint32_t i = first; i < last; ++i) {
        const uint32_t l = f.next_link[i];
        const int v = t_.link_dst(l);
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
