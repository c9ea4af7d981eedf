// The flow-level network model: every transfer is a flow over its (ECMP) paths; rates are
// max-min fair (MaxMinSolver) and recomputed whenever the set of transmitting flows changes.
//
// A flow added with start time t0 transmits from t0 at its fair rate until its bytes are out
// ("drained"), then completes after its path latency; it also completes no earlier than its
// `min_complete_s` (the collective layer uses this for per-message issue overhead).
//
// The model answers the two questions of a network model (SimGrid style): when is the next
// event (next_event_time), and advance to that time, reporting flows completed (advance_to).
// Coalescing: at an event at time t, everything due within coalesce_rel x (t - epoch) is
// processed at t (flows almost drained drain, flows about to start start, completions about
// to happen complete), where the epoch is the start of the current collective (set_epoch).
// A skewed all-to-all has about as many distinct finish times as flows; this bounds the events
// to about ln(duration / first event) / coalesce_rel while every time errs by at most about
// twice that fraction of the collective's duration (0 = exact).
// Links that can never be a bottleneck are left out of the fairness solve (they still count
// bytes and busy time): a link into a relay (a NIC, a switch) whose traffic can only leave
// over one narrower-or-equal link, or out of a relay that traffic can only have entered over
// one narrower-or-equal link -- the PCIe hop between a GPU and its NIC, for instance.
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
  // Start of the current collective, the reference of the coalescing window, and a lower
  // bound on its duration: the window is coalesce_rel x max(t - epoch, floor), so that the
  // first microseconds of a long collective are not resolved finer than the rest.
  void set_epoch(Seconds t, Seconds duration_floor = 0) {
    epoch_ = t;
    window_floor_ = duration_floor;
  }
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
  Seconds epoch_ = 0;
  Seconds window_floor_ = 0;
  MaxMinSolver solver_;
  // Per flow (struct of arrays).
  std::vector<uint64_t> path_begin_, path_end_, path_solve_end_;
  std::vector<double> size_, remaining_, rate_;
  std::vector<Seconds> start_, latency_, min_complete_;
  // Paths of all flows.
  std::vector<uint32_t> path_link_;
  std::vector<float> path_share_;
  std::vector<uint32_t> active_;
  FlowPaths solve_paths() const;
  MinHeap pending_, draining_;
  Seconds next_drain_ = std::numeric_limits<double>::infinity();
  bool dirty_ = false;
  std::vector<double> link_bytes_, link_busy_s_;
  std::vector<uint8_t> never_binds_;
  std::vector<uint32_t> link_active_;       // transmitting flows per link
  std::vector<Seconds> link_busy_since_;
  void mark_links(uint32_t f, int delta);
  uint64_t num_events_ = 0, num_solves_ = 0;
  uint64_t live_flows_ = 0;
};

}  // namespace moesim
