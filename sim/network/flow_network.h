// The flow-level network model: every transfer is a flow over its (ECMP) paths; rates are
// max-min fair (MaxMinSolver) and recomputed whenever the set of transmitting flows changes.
//
// A flow added with start time t0 transmits from t0 at its fair rate until its bytes are out
// ("drained"), then completes after its path latency; it also completes no earlier than its
// `min_complete_s` (the collective layer uses this for per-message issue overhead).
//
// The model answers the two questions of a network model (SimGrid style): when is the next
// event (next_event_time), and advance to that time, reporting flows completed (advance_to).
// Flows draining within `coalesce_rel` of their own elapsed transmit time at an event drain at
// that event, so a skewed all-to-all with a million slightly different flows costs a bounded
// number of re-solves. The bytes so skipped are at most that fraction of the bytes sent and a
// flow ends at most that fraction of its own time early, so completion times err by at most
// twice that fraction of the run's duration (0 = exact).
// Ties are broken by flow id: the same inputs give the same outputs, bit for bit.
// Thread-safety: not thread-safe; one instance per simulation thread.
#pragma once

#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

#include "sim/core/sim_time.h"
#include "sim/network/max_min_solver.h"
#include "sim/topology/router.h"
#include "sim/topology/topology.h"

namespace moesim {

class FlowNetwork {
 public:
  explicit FlowNetwork(const Topology& topology, double coalesce_rel = 1e-4);

  // Adds a flow; start_s must be >= now(). Returns its id (dense, from 0; ids restart at 0
  // after compact()).
  uint32_t add_flow(const LinkShare* path, size_t path_len, double bytes, Seconds latency_s, Seconds start_s,
                    Seconds min_complete_s = 0);

  Seconds now() const { return now_; }
  // Time of the next activation, drain or completion; +inf when idle.
  Seconds next_event_time() const;
  // Processes every event at or before t (t >= now()), appending the ids of flows completed,
  // and, when `drained` is given, of flows whose last byte left their source at t.
  void advance_to(Seconds t, std::vector<uint32_t>* completed, std::vector<uint32_t>* drained = nullptr);
  bool idle() const;

  // Statistics since construction (or clear_stats()).
  const std::vector<double>& link_bytes() const { return link_bytes_; }
  const std::vector<double>& link_busy_s() const { return link_busy_s_; }
  uint64_t num_events() const { return num_events_; }
  uint64_t num_solves() const { return num_solves_; }
  uint64_t num_flows() const { return size_.size(); }
  // Forgets completed flows' storage (call between collectives to keep memory flat).
  void compact();

 private:
  void solve();
  struct Pending {
    Seconds t;
    uint32_t id;
    bool operator>(const Pending& o) const { return t > o.t || (t == o.t && id > o.id); }
  };
  using MinHeap = std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>>;

  const Topology& t_;
  double coalesce_rel_;
  Seconds now_ = 0;
  MaxMinSolver solver_;
  // Per flow (struct of arrays).
  std::vector<uint64_t> path_begin_, path_end_;
  std::vector<double> size_, remaining_, rate_;
  std::vector<Seconds> start_, latency_, min_complete_;
  // Paths of all flows.
  std::vector<uint32_t> path_link_;
  std::vector<float> path_share_;
  std::vector<uint32_t> active_;
  std::vector<double> active_rate_;
  MinHeap pending_, draining_;
  Seconds next_drain_ = std::numeric_limits<double>::infinity();
  bool dirty_ = false;
  std::vector<double> link_bytes_, link_busy_s_;
  uint64_t num_events_ = 0, num_solves_ = 0;
  uint64_t live_flows_ = 0;
};

}  // namespace moesim
