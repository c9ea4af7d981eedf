#include "sim/network/flow_network.h"

#include <algorithm>
#include <cmath>

#include "traces/check.h"

namespace moesim {

FlowNetwork::FlowNetwork(const Topology& topology, double coalesce_rel)
    : t_(topology),
      coalesce_rel_(coalesce_rel),
      solver_(static_cast<uint32_t>(topology.num_links())),
      link_bytes_(topology.num_links(), 0.0),
      link_busy_s_(topology.num_links(), 0.0),
      never_binds_(topology.num_links(), 0),
      link_active_(topology.num_links(), 0),
      link_busy_since_(topology.num_links(), 0.0) {
  const Topology& t = topology;
  // (bandwidth, id) order: a link is pruned only in favour of a strictly smaller one, so in
  // any chain of dominated links the narrowest stays in the solve.
  auto smaller = [&](uint32_t a, uint32_t b) {
    return t.link_bandwidth(a) < t.link_bandwidth(b) || (t.link_bandwidth(a) == t.link_bandwidth(b) && a < b);
  };
  for (uint32_t l = 0; l < static_cast<uint32_t>(t.num_links()); ++l) {
    const int u = t.link_src(l), v = t.link_dst(l);
    // Forward: everything entering relay v over l leaves over v's only other out-link.
    if (t.forwards(v) && t.vertex(v).kind != VertexKind::kGpu) {
      int count = 0;
      uint32_t only = 0;
      for (uint32_t i = t.out_begin(v); i < t.out_end(v); ++i) {
        const uint32_t o = t.out_link(i);
        if (t.link_dst(o) != u) {
          ++count;
          only = o;
        }
      }
      if (count == 1 && smaller(only, l)) never_binds_[l] = 1;
    }
    // Backward: everything leaving relay u over l entered over u's only other in-link.
    if (!never_binds_[l] && t.forwards(u) && t.vertex(u).kind != VertexKind::kGpu) {
      int count = 0;
      uint32_t only = 0;
      for (uint32_t i = t.in_begin(u); i < t.in_end(u); ++i) {
        const uint32_t o = t.in_link(i);
        if (t.link_src(o) != v) {
          ++count;
          only = o;
        }
      }
      if (count == 1 && smaller(only, l)) never_binds_[l] = 1;
    }
  }
}

void FlowNetwork::mark_links(uint32_t f, int delta) {
  for (uint64_t i = path_begin_[f]; i < path_end_[f]; ++i) {
    const uint32_t l = path_link_[i];
    if (delta > 0) {
      if (link_active_[l]++ == 0) link_busy_since_[l] = now_;
    } else if (--link_active_[l] == 0) {
      link_busy_s_[l] += now_ - link_busy_since_[l];
    }
  }
}

uint32_t FlowNetwork::add_flow(const LinkShare* path, size_t n, double bytes, Seconds latency_s, Seconds start_s,
                               Seconds min_complete_s) {
  MOESIM_CHECK(start_s >= now_) << "flow starts in the past: " << start_s << " < " << now_;
  MOESIM_CHECK(bytes >= 0) << "negative flow size";
  const uint32_t id = static_cast<uint32_t>(size_.size());
  // Links in the solve first, then those that never bind.
  path_begin_.push_back(path_link_.size());
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < n; ++i) {
      if (never_binds_[path[i].link] != pass) continue;
      path_link_.push_back(path[i].link);
      path_share_.push_back(path[i].share);
      link_bytes_[path[i].link] += bytes * path[i].share;
    }
    if (pass == 0) path_solve_end_.push_back(path_link_.size());
  }
  path_end_.push_back(path_link_.size());
  size_.push_back(bytes);
  remaining_.push_back(bytes);
  rate_.push_back(0);
  start_.push_back(start_s);
  latency_.push_back(latency_s);
  min_complete_.push_back(min_complete_s);
  pending_.push({start_s, id});
  ++live_flows_;
  return id;
}

bool FlowNetwork::idle() const { return live_flows_ == 0; }

Seconds FlowNetwork::next_event_time() const {
  Seconds t = next_drain_;
  if (!pending_.empty()) t = std::min(t, pending_.top().t);
  if (!draining_.empty()) t = std::min(t, draining_.top().t);
  return t;
}

FlowPaths FlowNetwork::solve_paths() const {
  FlowPaths fp;
  fp.begin = path_begin_.data();
  fp.end = path_solve_end_.data();
  fp.link = path_link_.data();
  fp.share = path_share_.data();
  return fp;
}

void FlowNetwork::solve() {
  ++num_solves_;
  solver_.solve(solve_paths(), t_.link_bandwidths().data(), rate_.data());
  next_drain_ = std::numeric_limits<double>::infinity();
  for (uint32_t f : active_) next_drain_ = std::min(next_drain_, now_ + remaining_[f] / rate_[f]);
}

void FlowNetwork::advance_to(Seconds t, std::vector<uint32_t>* completed, std::vector<uint32_t>* drained) {
  MOESIM_CHECK(t >= now_) << "time runs backwards";
  ++num_events_;
  const Seconds dt = t - now_;
  now_ = t;

  // Progress every transmitting flow, and drain those whose bytes are out or would be within
  // the coalescing window (one pass).
  const Seconds window = coalesce_rel_ * std::max(now_ - epoch_, window_floor_);
  bool changed = false;
  size_t keep = 0;
  for (size_t i = 0; i < active_.size(); ++i) {
    const uint32_t f = active_[i];
    const double rem = remaining_[f] -= rate_[f] * dt;
    if (rem <= 1e-9 * size_[f] || rem <= window * rate_[f]) {
      remaining_[f] = 0;
      draining_.push({std::max(now_ + latency_[f], min_complete_[f]), f});
      if (drained) drained->push_back(f);
      mark_links(f, -1);
      solver_.remove(f, solve_paths());
      changed = true;
    } else {
      active_[keep++] = f;
    }
  }
  active_.resize(keep);

  // Activations.
  while (!pending_.empty() && pending_.top().t <= now_ + window) {
    const uint32_t f = pending_.top().id;
    pending_.pop();
    if (size_[f] <= 0 || path_begin_[f] == path_end_[f]) {
      // Nothing to send over the network (empty message or a GPU to itself).
      draining_.push({std::max(now_ + latency_[f], min_complete_[f]), f});
      if (drained) drained->push_back(f);
    } else {
      active_.push_back(f);
      mark_links(f, +1);
      solver_.add(f, solve_paths());
      changed = true;
    }
  }
  if (changed) {
    // active_ keeps a deterministic order (arrival order, compacted in place), so no sort.
    if (active_.empty()) {
      next_drain_ = std::numeric_limits<double>::infinity();
    } else {
      solve();
    }
  }

  // Completions.
  while (!draining_.empty() && draining_.top().t <= now_ + window) {
    completed->push_back(draining_.top().id);
    draining_.pop();
    --live_flows_;
  }
}

void FlowNetwork::compact() {
  if (live_flows_ != 0) return;
  path_begin_.clear();
  path_end_.clear();
  path_solve_end_.clear();
  size_.clear();
  remaining_.clear();
  rate_.clear();
  start_.clear();
  latency_.clear();
  min_complete_.clear();
  path_link_.clear();
  path_share_.clear();
  path_link_.shrink_to_fit();
  path_share_.shrink_to_fit();
}

}  // namespace moesim
