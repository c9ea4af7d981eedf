// Shortest paths with ECMP between GPUs.
//
// Paths are shortest in hop count. At every hop a flow may continue over any link that brings
// it one hop closer to its destination ("next hops"). Two settings, as switches offer:
//   split: each hop divides what arrives equally over its next hops (per-hop equal split), so a
//          flow becomes a set of (link, share) pairs whose shares out of each vertex sum to what
//          entered it; the shares are the fraction of the flow's rate on each link;
//   hash:  each hop picks one next hop by a hash of (flow, vertex): a single path, share 1.
// GPUs relay traffic only where the topology makes them routers (tori: Topology::forwards).
//
// Work per destination: one reverse BFS, O(V + E). Work per flow: O(links on its paths).
// Thread-safety: a Router is immutable; each thread needs its own PathScratch.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/topology/topology.h"

namespace moesim {

enum class EcmpMode { kSplit, kHash };

struct LinkShare {
  uint32_t link;
  float share;  // fraction of the flow's rate crossing this link, (0, 1]
};

// Hop distances of every vertex to one destination vertex.
struct DistanceField {
  int dst_vertex = -1;
  std::vector<uint32_t> dist;    // kUnreachable where no path
  std::vector<uint32_t> order;   // vertices reached, by increasing distance (BFS order)
  // Next hops toward the destination: links next_link[next_begin[v] .. next_begin[v + 1]).
  std::vector<uint32_t> next_begin, next_link;
  static constexpr uint32_t kUnreachable = 0xffffffffu;
};

// Reusable buffers for path construction.
struct PathScratch {
  std::vector<double> frac;
  std::vector<double> lat;
  std::vector<int> layer, next_layer;
};

class Router {
 public:
  Router(const Topology& topology, EcmpMode mode) : t_(topology), mode_(mode) {}

  const Topology& topology() const { return t_; }
  EcmpMode mode() const { return mode_; }

  // Reverse BFS from `dst_vertex`, relaying only through forwarding vertices.
  void distances_to(int dst_vertex, DistanceField* field) const;

  // Appends the (link, share) pairs of a flow from src_vertex to field.dst_vertex and returns
  // the latency of its slowest path. Returns a negative value when dst is unreachable.
  double route(int src_vertex, const DistanceField& field, uint64_t flow_hash, PathScratch* scratch,
               std::vector<LinkShare>* out) const;

  // Checks that every GPU can reach every other; the error names the first pair that cannot.
  Status check_all_pairs(const std::string& source) const;

 private:
  const Topology& t_;
  EcmpMode mode_;
};

// splitmix64: the hash behind per-flow ECMP and other seeded choices.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace moesim
