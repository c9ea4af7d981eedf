// A cluster topology: a directed Boost.Graph of GPUs, NVSwitches, NICs and network switches.
//
// Each directed edge is one direction of a link, with its own bandwidth (bytes/s) and latency
// (s); a full-duplex cable is two edges. GPUs carry ranks 0..N-1 and the host ("node") they sit
// in, which the hierarchical and rail all-to-all algorithms use. After finalize() the graph is
// frozen and mirrored into flat CSR arrays that the router and network models read on their hot
// paths (Boost.Graph is the builder and the algorithm library; the arrays are for speed).
// Thread-safety: immutable after finalize(); safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "sim/core/sim_time.h"
#include "traces/proto/cluster.pb.h"
#include "traces/status.h"

namespace moesim {

enum class VertexKind : uint8_t { kGpu, kNvSwitch, kNic, kSwitch };
enum class LinkClass : uint8_t { kNvlink, kPcie, kNetwork };

const char* vertex_kind_name(VertexKind k);
const char* link_class_name(LinkClass c);

struct VertexProps {
  VertexKind kind = VertexKind::kGpu;
  std::string name;
  int node = -1;   // host index (GPUs, NICs, NVSwitches); -1 for fabric switches
  int tier = 0;    // drawing tier: 0 GPU, 1 NVSwitch/NIC, 2 leaf, 3 spine
  int rank = -1;   // GPU rank after finalize(); -1 for other vertices
};

struct LinkProps {
  double bandwidth_bytes_per_s = 0;
  Seconds latency_s = 0;
  LinkClass link_class = LinkClass::kNetwork;
};

using TopologyGraphType = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                                VertexProps, LinkProps>;

class Topology {
 public:
  explicit Topology(std::string name = "");

  // --- building (before finalize) ---
  int add_vertex(VertexKind kind, std::string name, int node = -1, int tier = -1);
  // One direction of a link.
  void add_link(int src, int dst, double bandwidth_bytes_per_s, Seconds latency_s, LinkClass cls);
  // Both directions with the same figures (a full-duplex link).
  void add_duplex(int a, int b, double bandwidth_bytes_per_s, Seconds latency_s, LinkClass cls);
  // Optional explicit GPU rank (DOT `rank` attribute); otherwise GPUs take ranks in add order.
  void set_rank(int vertex, int rank);

  // Validates (positive bandwidths, non-negative latencies, ranks 0..N-1 unique, every GPU pair
  // connected), assigns ranks and nodes, and builds the CSR arrays. `source` names the input
  // for error messages (a file or a preset).
  Status finalize(const std::string& source);

  // --- queries (after finalize) ---
  const std::string& name() const { return name_; }
  int num_vertices() const { return static_cast<int>(link_out_begin_.size()) - 1; }
  int num_links() const { return static_cast<int>(link_src_.size()); }
  int num_gpus() const { return static_cast<int>(gpu_vertex_.size()); }
  int num_nodes() const { return num_nodes_; }
  // GPUs per node when every node has the same number, else 0.
  int gpus_per_node() const { return gpus_per_node_; }
  int gpu_vertex(int rank) const { return gpu_vertex_[rank]; }
  int node_of_rank(int rank) const { return rank_node_[rank]; }
  int local_rank(int rank) const { return rank_local_[rank]; }
  // Rank of local GPU `local` on node `node` (requires uniform nodes).
  int rank_at(int node, int local) const { return node_ranks_[node][local]; }

  const VertexProps& vertex(int v) const { return graph_[static_cast<size_t>(v)]; }
  // Whether traffic may pass through vertex v (switches and NICs always; GPUs only in
  // topologies where GPUs link only to GPUs, such as tori).
  bool forwards(int v) const { return forwards_[v] != 0; }

  // CSR: links leaving / entering vertex v are ids in [begin, end) of out_links()/in_links().
  uint32_t out_begin(int v) const { return link_out_begin_[v]; }
  uint32_t out_end(int v) const { return link_out_begin_[v + 1]; }
  uint32_t in_begin(int v) const { return link_in_begin_[v]; }
  uint32_t in_end(int v) const { return link_in_begin_[v + 1]; }
  uint32_t out_link(uint32_t i) const { return out_links_[i]; }
  uint32_t in_link(uint32_t i) const { return in_links_[i]; }

  int link_src(uint32_t l) const { return link_src_[l]; }
  int link_dst(uint32_t l) const { return link_dst_[l]; }
  double link_bandwidth(uint32_t l) const { return link_bw_[l]; }
  Seconds link_latency(uint32_t l) const { return link_latency_[l]; }
  LinkClass link_class(uint32_t l) const { return link_class_[l]; }
  const std::vector<double>& link_bandwidths() const { return link_bw_; }
  std::string link_name(uint32_t l) const;

  // Scales the bandwidth of every link of one class (calibration, what-if studies).
  void scale_bandwidth(LinkClass cls, double factor);
  void set_class_figures(LinkClass cls, double bandwidth_bytes_per_s, Seconds latency_s);

  const TopologyGraphType& graph() const { return graph_; }
  TopologyGraph to_proto() const;

 private:
  std::string name_;
  TopologyGraphType graph_;
  std::vector<int> explicit_rank_;  // per vertex, -1 if none
  bool finalized_ = false;

  std::vector<int> gpu_vertex_, rank_node_, rank_local_;
  std::vector<std::vector<int>> node_ranks_;
  int num_nodes_ = 0, gpus_per_node_ = 0;
  std::vector<uint8_t> forwards_;
  std::vector<uint32_t> link_out_begin_, link_in_begin_, out_links_, in_links_;
  std::vector<int> link_src_, link_dst_;
  std::vector<double> link_bw_;
  std::vector<Seconds> link_latency_;
  std::vector<LinkClass> link_class_;
};

}  // namespace moesim
