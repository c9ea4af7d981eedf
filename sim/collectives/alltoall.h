// All-to-all(v) collectives: algorithms that turn a traffic matrix (bytes from GPU s to GPU d)
// into a schedule of transfers, and a runner that times a schedule on a network model.
//
// Algorithms (gpus per node P, node n, local rank l; GPU (n, l)):
//   direct       every pair at once (NCCL's alltoall: one send/recv per peer).
//   hierarchical intra-node gather, inter-node exchange, intra-node scatter (DeepSpeed/Tutel's
//                2D all-to-all, three stages): (n,l) sends what is bound for node m to its
//                local proxy (n, m mod P); proxies exchange node-to-node aggregates with
//                (m, n mod P); that GPU scatters to the final GPUs of node m. Intra-node traffic
//                goes directly in the first stage. Each stage waits for the GPU's receives of
//                the stage before (a per-GPU barrier).
//   rail         DeepEP normal kernels: (n,l) sends over RDMA to (m,l), the GPU with the same
//                local rank on the destination node, which forwards over NVLink to (m,l');
//                intra-node traffic goes over NVLink directly. Forwarding is pipelined in
//                chunks: chunk c of what GPU s sent is forwarded as soon as it has arrived,
//                and each (sender, receiver, origin) stream sends its chunks one after another
//                (DeepEP's per-channel ring buffers). A combine is the same pipeline run
//                backwards; moesim times it as the dispatch pipeline with the combine's bytes
//                (every link load mirrored onto the reverse link).
//
// Costs beyond bandwidth and path latency: each stage a GPU runs costs `launch_s` once, and
// its i-th message cannot complete before i * per_message_s after that (the serialised issue
// cost of posting messages), plus path latency.
// Thread-safety: a runner is single-threaded; schedules are plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/sim_time.h"
#include "sim/network/flow_network.h"
#include "sim/topology/router.h"
#include "sim/topology/topology.h"

namespace moesim {

enum class AllToAllAlgorithm { kDirect, kHierarchical, kRail };
enum class NetworkMode { kFlow, kAnalytic };

struct AlgorithmInfo {
  const char* name;
  const char* description;
  AllToAllAlgorithm algorithm;
};
const std::vector<AlgorithmInfo>& alltoall_algorithms();
Result<AllToAllAlgorithm> parse_algorithm(const std::string& name);
const char* algorithm_name(AllToAllAlgorithm a);
Result<NetworkMode> parse_network_mode(const std::string& name);

// Bytes between GPU ranks: either uniform (every ordered pair s != d sends `uniform_bytes`) or
// a sparse list of entries.
struct TrafficMatrix {
  struct Entry {
    uint32_t src, dst;
    double bytes;
    bool operator==(const Entry&) const = default;
  };
  int num_gpus = 0;
  bool uniform = false;
  double uniform_bytes = 0;
  std::vector<Entry> entries;  // when !uniform; self entries (src == dst) are ignored
  // Optional, for the rail algorithm: bytes each GPU sends to each node once (tokens bound for
  // several GPUs of a node cross the network once and are forwarded over NVLink, as DeepEP
  // does). `dst` is a node index here. Without it, per-node bytes are summed from `entries`.
  std::vector<Entry> node_entries;

  static TrafficMatrix Uniform(int n, double bytes_per_peer);
  static TrafficMatrix Dense(int n, const std::vector<double>& row_major);
  double total_bytes() const;  // bytes leaving their source GPU (self traffic excluded)
  bool operator==(const TrafficMatrix&) const = default;
  double max_rank_send_bytes() const;
};

struct Transfer {
  uint32_t src, dst;   // GPU ranks
  double bytes;
  uint16_t stage;
  uint16_t chunk;
  bool feeds_next;     // its arrival is needed by the destination's next-stage sends
  int32_t input = -1;  // when >= 0: waits for that transfer (index in the schedule) instead
  uint32_t origin = 0; // GPU whose data this is (streams are keyed by stage, src, dst, origin)
};

struct Schedule {
  AllToAllAlgorithm algorithm = AllToAllAlgorithm::kDirect;
  int num_ranks = 0;
  int num_stages = 1;
  int num_chunks = 1;
  std::vector<bool> pipelined;  // per stage: overlaps the previous stage chunk by chunk
  // Transfers grouped by (stage, src) in issue order.
  std::vector<Transfer> transfers;
};

// Builds the schedule of an algorithm; hierarchical and rail need uniform nodes.
Result<Schedule> build_alltoall_schedule(const Topology& topo, const TrafficMatrix& m, AllToAllAlgorithm algo,
                                         int num_chunks = 4);

struct CollectiveCosts {
  Seconds launch_s = 0;
  Seconds per_message_s = 0;
};

struct CollectiveOutcome {
  Seconds start_s = 0;
  Seconds end_s = 0;
  std::vector<Seconds> rank_done_s;  // per rank: last transfer into or out of it completed
  uint64_t num_flows = 0;
  Seconds duration() const { return end_s - start_s; }
};

// Times schedules on one topology with one network model. Link statistics accumulate over
// every run (flow mode: bytes and busy time per link; analytic: bytes and bottleneck time).
class CollectiveRunner {
 public:
  CollectiveRunner(const Topology& topo, EcmpMode ecmp, NetworkMode mode, double coalesce_rel = 1e-4);
  ~CollectiveRunner();

  Result<CollectiveOutcome> run(const Schedule& s, const CollectiveCosts& costs, Seconds start_s);
  // Analytic direct all-to-all without materialising transfers: one pass per destination
  // aggregates every source's bytes down the ECMP DAG (per-hop equal split), O(N (V + E)).
  Result<CollectiveOutcome> run_direct_analytic(const TrafficMatrix& m, const CollectiveCosts& costs,
                                                Seconds start_s);

  const std::vector<double>& link_bytes() const { return link_bytes_; }
  const std::vector<double>& link_busy_s() const { return link_busy_s_; }
  uint64_t num_events() const;
  uint64_t num_solves() const { return net_ ? net_->num_solves() : 0; }
  NetworkMode mode() const { return mode_; }
  const Router& router() const { return router_; }

 private:
  const DistanceField& field_for(int dst_vertex);
  Result<CollectiveOutcome> run_flow(const Schedule& s, const CollectiveCosts& costs, Seconds start_s);
  Result<CollectiveOutcome> run_analytic(const Schedule& s, const CollectiveCosts& costs, Seconds start_s);

  const Topology& t_;
  Router router_;
  NetworkMode mode_;
  double coalesce_rel_;
  std::unique_ptr<FlowNetwork> net_;
  bool cache_fields_;
  std::unordered_map<int, DistanceField> fields_;
  DistanceField scratch_field_;
  PathScratch path_scratch_;
  std::vector<LinkShare> path_;
  std::vector<double> link_bytes_, link_busy_s_;
  uint64_t analytic_events_ = 0;
};

}  // namespace moesim

namespace moesim {

// Costs used when no calibration is given. Rough figures for NCCL-class libraries on current
// GPUs (a kernel launch and proxy start of ~10 us, ~0.5 us to post each message); every
// measured calibration (`moeprof fit`) replaces them.
inline CollectiveCosts default_collective_costs() { return CollectiveCosts{10e-6, 0.5e-6}; }

}  // namespace moesim
