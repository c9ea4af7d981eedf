#include "sim/collectives/alltoall.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "traces/check.h"

namespace moesim {

const std::vector<AlgorithmInfo>& alltoall_algorithms() {
  static const std::vector<AlgorithmInfo> table = {
      {"direct", "every pair at once (NCCL alltoall)", AllToAllAlgorithm::kDirect},
      {"hierarchical", "intra-node gather, inter-node exchange, intra-node scatter (DeepSpeed/Tutel 2D)",
       AllToAllAlgorithm::kHierarchical},
      {"rail", "RDMA to the same local rank on the destination node, then NVLink forward (DeepEP)",
       AllToAllAlgorithm::kRail},
  };
  return table;
}

Result<AllToAllAlgorithm> parse_algorithm(const std::string& name) {
  std::string known;
  for (const auto& a : alltoall_algorithms()) {
    if (name == a.name) return a.algorithm;
    known += (known.empty() ? "" : ", ") + std::string(a.name);
  }
  return Error{"unknown all-to-all algorithm '" + name + "' (known: " + known + ")"};
}

const char* algorithm_name(AllToAllAlgorithm a) {
  for (const auto& i : alltoall_algorithms()) {
    if (i.algorithm == a) return i.name;
  }
  return "?";
}

Result<NetworkMode> parse_network_mode(const std::string& name) {
  if (name == "flow") return NetworkMode::kFlow;
  if (name == "analytic") return NetworkMode::kAnalytic;
  return Error{"unknown network model '" + name + "' (known: flow, analytic)"};
}

TrafficMatrix TrafficMatrix::Uniform(int n, double bytes_per_peer) {
  TrafficMatrix m;
  m.num_gpus = n;
  m.uniform = true;
  m.uniform_bytes = bytes_per_peer;
  return m;
}

TrafficMatrix TrafficMatrix::Dense(int n, const std::vector<double>& row_major) {
  TrafficMatrix m;
  m.num_gpus = n;
  for (int s = 0; s < n; ++s) {
    for (int d = 0; d < n; ++d) {
      const double b = row_major[static_cast<size_t>(s) * n + d];
      if (s != d && b > 0) m.entries.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(d), b});
    }
  }
  return m;
}

double TrafficMatrix::total_bytes() const {
  if (uniform) return uniform_bytes * num_gpus * (num_gpus - 1.0);
  double t = 0;
  for (const auto& e : entries) {
    if (e.src != e.dst) t += e.bytes;
  }
  return t;
}

double TrafficMatrix::max_rank_send_bytes() const {
  if (uniform) return uniform_bytes * (num_gpus - 1.0);
  std::vector<double> per(num_gpus, 0.0);
  for (const auto& e : entries) {
    if (e.src != e.dst) per[e.src] += e.bytes;
  }
  return num_gpus ? *std::max_element(per.begin(), per.end()) : 0.0;
}

namespace {

// Calls fn(src, dst, bytes) for every off-diagonal entry with bytes > 0.
template <typename Fn>
void for_each_entry(const TrafficMatrix& m, Fn fn) {
  if (m.uniform) {
    if (m.uniform_bytes <= 0) return;
    for (int s = 0; s < m.num_gpus; ++s) {
      for (int i = 1; i < m.num_gpus; ++i) fn(s, (s + i) % m.num_gpus, m.uniform_bytes);
    }
    return;
  }
  for (const auto& e : m.entries) {
    if (e.src != e.dst && e.bytes > 0) fn(static_cast<int>(e.src), static_cast<int>(e.dst), e.bytes);
  }
}

void sort_issue_order(Schedule* s) {
  const uint32_t n = static_cast<uint32_t>(s->num_ranks);
  std::vector<uint32_t> order(s->transfers.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto& tr = s->transfers;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t ia, uint32_t ib) {
    const Transfer& a = tr[ia];
    const Transfer& b = tr[ib];
    if (a.stage != b.stage) return a.stage < b.stage;
    if (a.src != b.src) return a.src < b.src;
    if (a.chunk != b.chunk) return a.chunk < b.chunk;
    const uint32_t da = (a.dst + n - a.src) % n, db = (b.dst + n - b.src) % n;
    if (da != db) return da < db;
    return (a.origin + n - a.src) % n < (b.origin + n - b.src) % n;
  });
  std::vector<int32_t> where(order.size());
  std::vector<Transfer> sorted(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) {
    where[order[i]] = static_cast<int32_t>(i);
    sorted[i] = tr[order[i]];
  }
  for (auto& t : sorted) {
    if (t.input >= 0) t.input = where[t.input];
  }
  s->transfers = std::move(sorted);
}

}  // namespace

Result<Schedule> build_alltoall_schedule(const Topology& topo, const TrafficMatrix& m, AllToAllAlgorithm algo,
                                         int num_chunks) {
  const int n = m.num_gpus;
  if (n != topo.num_gpus()) {
    return Error{"traffic matrix is " + std::to_string(n) + " x " + std::to_string(n) + " but the topology has " +
                 std::to_string(topo.num_gpus()) + " GPUs"};
  }
  Schedule s;
  s.algorithm = algo;
  s.num_ranks = n;
  if (algo == AllToAllAlgorithm::kDirect) {
    s.num_stages = 1;
    s.pipelined = {false};
    for_each_entry(m, [&](int a, int b, double bytes) {
      s.transfers.push_back({static_cast<uint32_t>(a), static_cast<uint32_t>(b), bytes, 0, 0, false});
    });
    sort_issue_order(&s);
    return s;
  }
  const int p = topo.gpus_per_node();
  if (p == 0) {
    return Error{std::string("the ") + algorithm_name(algo) +
                 " algorithm needs the same number of GPUs on every node; this topology's nodes differ"};
  }
  const int nodes = topo.num_nodes();
  auto gpu = [&](int node, int local) { return static_cast<uint32_t>(topo.rank_at(node, local)); };
  auto node_of = [&](int r) { return topo.node_of_rank(r); };
  auto local_of = [&](int r) { return topo.local_rank(r); };

  if (algo == AllToAllAlgorithm::kHierarchical) {
    s.num_stages = 3;
    s.pipelined = {false, false, false};
    std::vector<double> to_node(static_cast<size_t>(n) * nodes, 0.0);      // [src gpu][dst node]
    std::vector<double> node_node(static_cast<size_t>(nodes) * nodes, 0.0); // [src node][dst node]
    std::vector<double> node_gpu(static_cast<size_t>(nodes) * n, 0.0);      // [src node][dst gpu]
    for_each_entry(m, [&](int a, int b, double bytes) {
      const int na = node_of(a), nb = node_of(b);
      if (na == nb) {
        s.transfers.push_back({static_cast<uint32_t>(a), static_cast<uint32_t>(b), bytes, 0, 0, false});
        return;
      }
      to_node[static_cast<size_t>(a) * nodes + nb] += bytes;
      node_node[static_cast<size_t>(na) * nodes + nb] += bytes;
      node_gpu[static_cast<size_t>(na) * n + b] += bytes;
    });
    for (int a = 0; a < n; ++a) {
      for (int mnode = 0; mnode < nodes; ++mnode) {
        const double bytes = to_node[static_cast<size_t>(a) * nodes + mnode];
        const uint32_t proxy = gpu(node_of(a), mnode % p);
        if (bytes > 0 && proxy != static_cast<uint32_t>(a)) s.transfers.push_back({static_cast<uint32_t>(a), proxy, bytes, 0, 0, true});
      }
    }
    for (int na = 0; na < nodes; ++na) {
      for (int nb = 0; nb < nodes; ++nb) {
        const double bytes = node_node[static_cast<size_t>(na) * nodes + nb];
        if (bytes > 0) s.transfers.push_back({gpu(na, nb % p), gpu(nb, na % p), bytes, 1, 0, true});
      }
    }
    for (int na = 0; na < nodes; ++na) {
      for (int b = 0; b < n; ++b) {
        const double bytes = node_gpu[static_cast<size_t>(na) * n + b];
        const uint32_t relay = gpu(node_of(b), na % p);
        if (bytes > 0 && relay != static_cast<uint32_t>(b)) s.transfers.push_back({relay, static_cast<uint32_t>(b), bytes, 2, 0, false});
      }
    }
    sort_issue_order(&s);
    return s;
  }

  // Rail (DeepEP normal kernels).
  const int chunks = std::max(1, num_chunks);
  s.num_stages = 2;
  s.num_chunks = chunks;
  s.pipelined = {false, true};
  std::vector<double> rdma(static_cast<size_t>(n) * nodes, 0.0);   // [src gpu][dst node]
  // Inter-node entries by source, for the forwards: (dst, bytes).
  std::vector<std::vector<std::pair<uint32_t, double>>> remote(n);
  for_each_entry(m, [&](int a, int b, double bytes) {
    const int na = node_of(a), nb = node_of(b);
    if (na == nb) {
      s.transfers.push_back({static_cast<uint32_t>(a), static_cast<uint32_t>(b), bytes, 0, 0, false, -1,
                             static_cast<uint32_t>(a)});
      return;
    }
    rdma[static_cast<size_t>(a) * nodes + nb] += bytes;
    remote[a].push_back({static_cast<uint32_t>(b), bytes});
  });
  if (!m.node_entries.empty()) {
    // Node-level deduplicated RDMA bytes replace the per-GPU sums.
    std::fill(rdma.begin(), rdma.end(), 0.0);
    for (const auto& e : m.node_entries) {
      if (static_cast<int>(e.dst) != node_of(static_cast<int>(e.src)) && e.bytes > 0) {
        rdma[static_cast<size_t>(e.src) * nodes + e.dst] += e.bytes;
      }
    }
  }
  // RDMA streams (a -> relay on node nb), then each chunk's forwards from the relay.
  std::vector<int32_t> rdma_index(static_cast<size_t>(nodes) * chunks, -1);
  for (int a = 0; a < n; ++a) {
    std::fill(rdma_index.begin(), rdma_index.end(), -1);
    for (int nb = 0; nb < nodes; ++nb) {
      const double bytes = rdma[static_cast<size_t>(a) * nodes + nb];
      if (bytes <= 0) continue;
      for (int c = 0; c < chunks; ++c) {
        rdma_index[static_cast<size_t>(nb) * chunks + c] = static_cast<int32_t>(s.transfers.size());
        s.transfers.push_back({static_cast<uint32_t>(a), gpu(nb, local_of(a)), bytes / chunks, 0,
                               static_cast<uint16_t>(c), false, -1, static_cast<uint32_t>(a)});
      }
    }
    for (const auto& [b, bytes] : remote[a]) {
      const int nb = node_of(static_cast<int>(b));
      const uint32_t relay = gpu(nb, local_of(a));
      if (relay == b) continue;  // the relay is the destination
      for (int c = 0; c < chunks; ++c) {
        const int32_t in = rdma_index[static_cast<size_t>(nb) * chunks + c];
        if (in < 0) continue;  // no node-level bytes recorded for this node
        s.transfers.push_back({relay, b, bytes / chunks, 1, static_cast<uint16_t>(c), false, in,
                               static_cast<uint32_t>(a)});
      }
    }
  }
  sort_issue_order(&s);
  return s;
}

CollectiveRunner::CollectiveRunner(const Topology& topo, EcmpMode ecmp, NetworkMode mode, double coalesce_rel)
    : t_(topo),
      router_(topo, ecmp),
      mode_(mode),
      coalesce_rel_(coalesce_rel),
      link_bytes_(topo.num_links(), 0.0),
      link_busy_s_(topo.num_links(), 0.0) {
  if (mode_ == NetworkMode::kFlow) net_ = std::make_unique<FlowNetwork>(topo, coalesce_rel);
  // Cache distance fields while they fit in ~256 MB.
  cache_fields_ = static_cast<double>(topo.num_gpus()) * topo.num_vertices() * 8 < 256e6;
}

CollectiveRunner::~CollectiveRunner() = default;

uint64_t CollectiveRunner::num_events() const { return net_ ? net_->num_events() : analytic_events_; }

const DistanceField& CollectiveRunner::field_for(int dst_vertex) {
  if (cache_fields_) {
    auto it = fields_.find(dst_vertex);
    if (it != fields_.end()) return it->second;
    auto& f = fields_[dst_vertex];
    router_.distances_to(dst_vertex, &f);
    return f;
  }
  if (scratch_field_.dst_vertex != dst_vertex) router_.distances_to(dst_vertex, &scratch_field_);
  return scratch_field_;
}

Result<CollectiveOutcome> CollectiveRunner::run(const Schedule& s, const CollectiveCosts& costs, Seconds start_s) {
  if (s.num_ranks != t_.num_gpus()) return Error{"schedule and topology disagree on the number of GPUs"};
  return mode_ == NetworkMode::kFlow ? run_flow(s, costs, start_s) : run_analytic(s, costs, start_s);
}

Result<CollectiveOutcome> CollectiveRunner::run_flow(const Schedule& s, const CollectiveCosts& costs, Seconds start_s) {
  FlowNetwork& net = *net_;
  MOESIM_CHECK(net.idle()) << "a collective is already running";
  net.compact();
  const int n = s.num_ranks, stages = s.num_stages, chunks = s.num_chunks;
  CollectiveOutcome out;
  out.start_s = start_s;
  out.rank_done_s.assign(n, start_s);
  if (s.transfers.empty()) {
    out.end_s = start_s;
    return out;
  }
  if (net.now() > start_s) return Error{"collective starts before the network's current time"};
  // Groups: (stage, src, chunk) -> its transfers. Non-pipelined stages use chunk key 0 for deps.
  auto key = [&](int stage, int gpu, int chunk) { return (static_cast<size_t>(stage) * n + gpu) * chunks + chunk; };
  const size_t nkeys = static_cast<size_t>(stages) * n * chunks;
  std::vector<uint32_t> group_begin(nkeys + 1, 0);
  for (const auto& tr : s.transfers) ++group_begin[key(tr.stage, tr.src, tr.chunk) + 1];
  for (size_t k = 0; k < nkeys; ++k) group_begin[k + 1] += group_begin[k];
  std::vector<uint32_t> group_items(s.transfers.size());
  {
    std::vector<uint32_t> fill(group_begin.begin(), group_begin.end() - 1);
    for (uint32_t i = 0; i < s.transfers.size(); ++i) {
      const auto& tr = s.transfers[i];
      group_items[fill[key(tr.stage, tr.src, tr.chunk)]++] = i;
    }
  }
  // Dependencies: stage k>0 sends of (gpu, chunk) wait for the stage k-1 receives feeding them.
  auto dep_key = [&](int stage, int gpu, int chunk) { return key(stage, gpu, s.pipelined[stage] ? chunk : 0); };
  std::vector<uint32_t> need(nkeys, 0);
  for (const auto& tr : s.transfers) {
    if (tr.feeds_next && tr.stage + 1 < stages) ++need[dep_key(tr.stage + 1, tr.dst, tr.chunk)];
  }
  // Route every transfer once (ECMP hash per transfer), and bound the duration from below for
  // the coalescing window: each stage's busiest link.
  std::vector<LinkShare> paths;
  std::vector<size_t> path_begin(s.transfers.size() + 1, 0);
  std::vector<double> path_latency(s.transfers.size(), 0.0);
  {
    std::vector<double> load(t_.num_links(), 0.0);
    Seconds floor_s = 0;
    int stage = s.transfers.empty() ? 0 : s.transfers[0].stage;
    for (size_t i = 0; i < s.transfers.size(); ++i) {
      const auto& tr = s.transfers[i];
      if (tr.stage != stage) {
        for (int l = 0; l < t_.num_links(); ++l) floor_s = std::max(floor_s, load[l] / t_.link_bandwidth(l));
        std::fill(load.begin(), load.end(), 0.0);
        stage = tr.stage;
      }
      path_.clear();
      const uint64_t h = mix64((static_cast<uint64_t>(tr.src) << 32) ^ tr.dst ^ (static_cast<uint64_t>(tr.stage) << 56) ^
                               (static_cast<uint64_t>(tr.chunk) << 48));
      const double lat = router_.route(t_.gpu_vertex(tr.src), field_for(t_.gpu_vertex(tr.dst)), h, &path_scratch_, &path_);
      if (lat < 0) {
        return Error{"GPU rank " + std::to_string(tr.src) + " cannot reach GPU rank " + std::to_string(tr.dst) +
                     ": the topology is disconnected"};
      }
      path_latency[i] = lat;
      paths.insert(paths.end(), path_.begin(), path_.end());
      path_begin[i + 1] = paths.size();
      for (const auto& ls : path_) load[ls.link] += tr.bytes * ls.share;
    }
    for (int l = 0; l < t_.num_links(); ++l) floor_s = std::max(floor_s, load[l] / t_.link_bandwidth(l));
    net.set_epoch(start_s, floor_s);
  }
  // Chunks of a (stage, src, dst) stream go one after another: chunk c starts once chunk c-1
  // of the same stream has left its source (DeepEP's per-destination ring buffers), so a slow
  // destination does not hold back a GPU's other streams.
  std::vector<int64_t> next_chunk(s.transfers.size(), -1);
  std::vector<uint8_t> prev_left(s.transfers.size(), 1);
  if (chunks > 1) {
    std::unordered_map<uint64_t, std::vector<std::pair<uint16_t, uint32_t>>> streams;
    for (uint32_t i = 0; i < s.transfers.size(); ++i) {
      const auto& tr = s.transfers[i];
      const uint64_t id = mix64((static_cast<uint64_t>(tr.stage) << 48) ^ (static_cast<uint64_t>(tr.src) << 24) ^ tr.dst) ^
                          tr.origin;
      streams[id].push_back({tr.chunk, i});
    }
    for (auto& [id, list] : streams) {
      std::sort(list.begin(), list.end());
      for (size_t j = 0; j + 1 < list.size(); ++j) {
        next_chunk[list[j].second] = list[j + 1].second;
        prev_left[list[j + 1].second] = 0;
      }
    }
  }
  std::vector<uint32_t> issued(static_cast<size_t>(stages) * n, 0);     // messages issued per (stage, gpu)
  std::vector<Seconds> issue_base(static_cast<size_t>(stages) * n, -1); // launch-adjusted issue start
  std::vector<uint32_t> flow_transfer;
  flow_transfer.reserve(s.transfers.size());
  std::vector<uint8_t> group_ready(nkeys, 0), released(s.transfers.size(), 0);
  // Explicit inputs: transfer i waits for s.transfers[i].input to complete.
  std::vector<uint8_t> input_done(s.transfers.size(), 1);
  std::vector<uint32_t> dependents_begin(s.transfers.size() + 1, 0), dependents;
  for (const auto& tr : s.transfers) {
    if (tr.input >= 0) ++dependents_begin[tr.input + 1];
  }
  for (size_t i = 0; i < s.transfers.size(); ++i) dependents_begin[i + 1] += dependents_begin[i];
  dependents.resize(dependents_begin.back());
  {
    std::vector<uint32_t> fill(dependents_begin.begin(), dependents_begin.end() - 1);
    for (uint32_t i = 0; i < s.transfers.size(); ++i) {
      if (s.transfers[i].input >= 0) {
        dependents[fill[s.transfers[i].input]++] = i;
        input_done[i] = 0;
      }
    }
  }

  // Issues transfer idx at time t once its group's data has arrived and its stream's previous
  // chunk has left.
  auto try_issue = [&](uint32_t idx, Seconds t) -> Status {
    const auto& tr = s.transfers[idx];
    if (released[idx] || !prev_left[idx] || !input_done[idx] || !group_ready[key(tr.stage, tr.src, tr.chunk)]) return {};
    released[idx] = 1;
    const size_t sg = static_cast<size_t>(tr.stage) * n + tr.src;
    if (issue_base[sg] < 0) issue_base[sg] = t + (s.pipelined[tr.stage] ? 0.0 : costs.launch_s);
    const Seconds t_issue = std::max(t, issue_base[sg]);
    const double lat = path_latency[idx];
    const uint32_t msg = ++issued[sg];
    const Seconds min_done = t_issue + msg * costs.per_message_s + lat;
    const uint32_t id = net.add_flow(paths.data() + path_begin[idx], path_begin[idx + 1] - path_begin[idx], tr.bytes, lat,
                                     t_issue, min_done);
    MOESIM_CHECK(id == flow_transfer.size()) << "flow ids must be dense";
    flow_transfer.push_back(idx);
    return {};
  };
  // Marks group (stage, gpu, chunk) ready -- all chunks when the stage is not pipelined -- and
  // issues what it can.
  auto try_release = [&](int stage, int gpu, int chunk, Seconds t) -> Status {
    if (need[dep_key(stage, gpu, chunk)] != 0) return {};
    const int c0 = s.pipelined[stage] ? chunk : 0;
    const int c1 = s.pipelined[stage] ? chunk + 1 : chunks;
    for (int c = c0; c < c1; ++c) {
      const size_t k = key(stage, gpu, c);
      if (group_ready[k]) continue;
      group_ready[k] = 1;
      for (uint32_t i = group_begin[k]; i < group_begin[k + 1]; ++i) MOESIM_RETURN_IF_ERROR(try_issue(group_items[i], t));
    }
    return {};
  };
  // Everything without dependencies starts now.
  for (int stage = 0; stage < stages; ++stage) {
    for (int g = 0; g < n; ++g) {
      for (int c = 0; c < chunks; ++c) MOESIM_RETURN_IF_ERROR(try_release(stage, g, c, start_s));
    }
  }
  std::vector<uint32_t> done, drained;
  Seconds end = start_s;
  while (!net.idle()) {
    const Seconds t = net.next_event_time();
    MOESIM_CHECK(std::isfinite(t)) << "network stalled with flows outstanding";
    done.clear();
    drained.clear();
    net.advance_to(t, &done, chunks > 1 ? &drained : nullptr);
    for (uint32_t f : drained) {
      const int64_t next = next_chunk[flow_transfer[f]];
      if (next >= 0) {
        prev_left[next] = 1;
        MOESIM_RETURN_IF_ERROR(try_issue(static_cast<uint32_t>(next), t));
      }
    }
    for (uint32_t f : done) {
      const uint32_t idx = flow_transfer[f];
      for (uint32_t j = dependents_begin[idx]; j < dependents_begin[idx + 1]; ++j) {
        input_done[dependents[j]] = 1;
        MOESIM_RETURN_IF_ERROR(try_issue(dependents[j], t));
      }
      const auto& tr = s.transfers[idx];
      out.rank_done_s[tr.src] = std::max(out.rank_done_s[tr.src], t);
      out.rank_done_s[tr.dst] = std::max(out.rank_done_s[tr.dst], t);
      end = std::max(end, t);
      if (tr.feeds_next && tr.stage + 1 < stages) {
        const int next = tr.stage + 1;
        if (--need[dep_key(next, tr.dst, tr.chunk)] == 0) {
          MOESIM_RETURN_IF_ERROR(try_release(next, tr.dst, tr.chunk, t));
        }
      }
    }
  }
  out.end_s = end;
  out.num_flows = flow_transfer.size();
  link_bytes_ = net.link_bytes();
  link_busy_s_ = net.link_busy_s();
  return out;
}

Result<CollectiveOutcome> CollectiveRunner::run_analytic(const Schedule& s, const CollectiveCosts& costs,
                                                         Seconds start_s) {
  // Per stage: bandwidth term max_l(load_l / C_l), issue term max_g(messages_g) * per_message,
  // latency term max over transfers. Pipelined stages overlap their bandwidth/issue terms with
  // the stage before; latencies add.
  const int n = s.num_ranks;
  CollectiveOutcome out;
  out.start_s = start_s;
  Seconds t = start_s;
  Seconds group_term = 0, group_lat = 0;
  bool group_open = false;
  std::vector<double> load(t_.num_links(), 0.0);
  std::vector<uint32_t> msgs(n, 0);
  size_t i = 0;
  for (int stage = 0; stage < s.num_stages; ++stage) {
    std::fill(load.begin(), load.end(), 0.0);
    std::fill(msgs.begin(), msgs.end(), 0);
    Seconds max_lat = 0;
    for (; i < s.transfers.size() && s.transfers[i].stage == stage; ++i) {
      const auto& tr = s.transfers[i];
      const DistanceField& f = field_for(t_.gpu_vertex(tr.dst));
      path_.clear();
      const double lat = router_.route(t_.gpu_vertex(tr.src), f, mix64((uint64_t{tr.src} << 32) ^ tr.dst), &path_scratch_, &path_);
      if (lat < 0) {
        return Error{"GPU rank " + std::to_string(tr.src) + " cannot reach GPU rank " + std::to_string(tr.dst) +
                     ": the topology is disconnected"};
      }
      for (const auto& ls : path_) load[ls.link] += tr.bytes * ls.share;
      max_lat = std::max(max_lat, lat);
      ++msgs[tr.src];
      ++out.num_flows;
    }
    double bw_term = 0;
    for (int l = 0; l < t_.num_links(); ++l) {
      if (load[l] <= 0) continue;
      bw_term = std::max(bw_term, load[l] / t_.link_bandwidth(l));
      link_bytes_[l] += load[l];
      link_busy_s_[l] += load[l] / t_.link_bandwidth(l);
    }
    const double issue_term = *std::max_element(msgs.begin(), msgs.end()) * costs.per_message_s;
    const Seconds term = std::max(bw_term, issue_term);
    if (!s.pipelined[stage] || !group_open) {
      if (group_open) t += group_term + group_lat;
      t += costs.launch_s;
      group_term = term;
      group_lat = max_lat;
      group_open = true;
    } else {
      group_term = std::max(group_term, term);
      group_lat += max_lat;
    }
    ++analytic_events_;
  }
  if (group_open) t += group_term + group_lat;
  out.end_s = t;
  out.rank_done_s.assign(n, t);
  return out;
}

Result<CollectiveOutcome> CollectiveRunner::run_direct_analytic(const TrafficMatrix& m, const CollectiveCosts& costs,
                                                                Seconds start_s) {
  const int n = m.num_gpus;
  if (n != t_.num_gpus()) return Error{"traffic matrix and topology disagree on the number of GPUs"};
  const int nv = t_.num_vertices();
  std::vector<double> inflow(nv, 0.0), lat_to(nv, 0.0), load(t_.num_links(), 0.0);
  // Sparse matrices: entries by destination.
  std::vector<std::vector<std::pair<uint32_t, double>>> by_dst;
  std::vector<uint32_t> msgs(n, 0);
  if (!m.uniform) {
    by_dst.resize(n);
    for (const auto& e : m.entries) {
      if (e.src == e.dst || e.bytes <= 0) continue;
      by_dst[e.dst].push_back({e.src, e.bytes});
      ++msgs[e.src];
    }
  } else if (m.uniform_bytes > 0) {
    std::fill(msgs.begin(), msgs.end(), static_cast<uint32_t>(n - 1));
  }
  Seconds max_lat = 0;
  CollectiveOutcome out;
  out.start_s = start_s;
  for (int d = 0; d < n; ++d) {
    const int dv = t_.gpu_vertex(d);
    const DistanceField& f = field_for(dv);
    bool any = false;
    if (m.uniform) {
      if (m.uniform_bytes > 0) {
        for (int s = 0; s < n; ++s) {
          if (s != d) inflow[t_.gpu_vertex(s)] = m.uniform_bytes;
        }
        any = true;
      }
    } else {
      for (const auto& [s, b] : by_dst[d]) {
        if (f.dist[t_.gpu_vertex(s)] == DistanceField::kUnreachable) {
          return Error{"GPU rank " + std::to_string(s) + " cannot reach GPU rank " + std::to_string(d) +
                       ": the topology is disconnected"};
        }
        inflow[t_.gpu_vertex(s)] += b;
        any = true;
      }
    }
    if (!any) continue;
    // Latency to the destination: increasing distance (BFS order); the max over next hops.
    for (uint32_t v : f.order) {
      if (static_cast<int>(v) == dv) {
        lat_to[v] = 0;
        continue;
      }
      double best = 0;
      for (uint32_t i = f.next_begin[v]; i < f.next_begin[v + 1]; ++i) {
        const uint32_t l = f.next_link[i];
        best = std::max(best, t_.link_latency(l) + lat_to[t_.link_dst(l)]);
      }
      lat_to[v] = best;
    }
    // Push every source's bytes down the DAG, farthest vertices first.
    for (auto it = f.order.rbegin(); it != f.order.rend(); ++it) {
      const int v = static_cast<int>(*it);
      const double x = inflow[v];
      if (x <= 0) continue;
      inflow[v] = 0;
      if (v == dv) continue;
      if (t_.vertex(v).kind == VertexKind::kGpu) max_lat = std::max(max_lat, lat_to[v]);
      const uint32_t b = f.next_begin[v], e = f.next_begin[v + 1];
      const double share = x / (e - b);
      for (uint32_t i = b; i < e; ++i) {
        const uint32_t l = f.next_link[i];
        load[l] += share;
        inflow[t_.link_dst(l)] += share;
      }
    }
    for (int s = 0; s < n; ++s) {
      if (f.dist[t_.gpu_vertex(s)] == DistanceField::kUnreachable &&
          (m.uniform ? (s != d && m.uniform_bytes > 0) : false)) {
        return Error{"GPU rank " + std::to_string(s) + " cannot reach GPU rank " + std::to_string(d) +
                     ": the topology is disconnected"};
      }
    }
    ++analytic_events_;
  }
  double bw_term = 0;
  for (int l = 0; l < t_.num_links(); ++l) {
    if (load[l] <= 0) continue;
    bw_term = std::max(bw_term, load[l] / t_.link_bandwidth(l));
    link_bytes_[l] += load[l];
    link_busy_s_[l] += load[l] / t_.link_bandwidth(l);
  }
  const double issue = (n ? *std::max_element(msgs.begin(), msgs.end()) : 0) * costs.per_message_s;
  out.num_flows = m.uniform ? static_cast<uint64_t>(n) * (n - 1) : m.entries.size();
  out.end_s = start_s + (out.num_flows ? costs.launch_s + std::max(bw_term, issue) + max_lat : 0.0);
  out.rank_done_s.assign(n, out.end_s);
  return out;
}

}  // namespace moesim
