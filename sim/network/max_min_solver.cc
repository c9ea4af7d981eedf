#include "sim/network/max_min_solver.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "traces/check.h"

namespace moesim {
namespace {

// Min-heap on level, ties by link index for determinism.
struct HeapGreater {
  template <typename E>
  bool operator()(const E& a, const E& b) const {
    return a.level > b.level || (a.level == b.level && a.link > b.link);
  }
};

}  // namespace

MaxMinSolver::MaxMinSolver(uint32_t num_links)
    : num_links_(num_links),
      link_flows_(num_links),
      weight_(num_links, 0),
      count_(num_links, 0),
      in_use_listed_(num_links, 0),
      remaining_(num_links, 0),
      w_(num_links, 0),
      c_(num_links, 0) {}

void MaxMinSolver::add(uint32_t f, const FlowPaths& p) {
  if (f >= present_.size()) {
    present_.resize(f + 1, 0);
    frozen_stamp_.resize(f + 1, 0);
  }
  MOESIM_CHECK(!present_[f]) << "flow " << f << " added twice";
  present_[f] = 1;
  if (p.begin[f] == p.end[f]) linkless_.push_back(f);
  for (uint64_t i = p.begin[f]; i < p.end[f]; ++i) {
    const uint32_t l = p.link[i];
    link_flows_[l].push_back(f);
    weight_[l] += p.share[i];
    if (count_[l]++ == 0 && !in_use_listed_[l]) {
      in_use_listed_[l] = 1;
      links_in_use_.push_back(l);
    }
  }
}

void MaxMinSolver::remove(uint32_t f, const FlowPaths& p) {
  MOESIM_CHECK(f < present_.size() && present_[f]) << "flow " << f << " is not present";
  present_[f] = 0;
  if (p.begin[f] == p.end[f]) linkless_.erase(std::find(linkless_.begin(), linkless_.end(), f));
  for (uint64_t i = p.begin[f]; i < p.end[f]; ++i) {
    const uint32_t l = p.link[i];
    weight_[l] -= p.share[i];
    if (--count_[l] == 0) {
      // Every flow of the link is gone: drop the list and the rounding residue of the sum.
      link_flows_[l].clear();
      weight_[l] = 0;
    }
  }
}

void MaxMinSolver::solve(const FlowPaths& p, const double* capacity, double* rate) {
  if (++stamp_ == 0) {  // wrapped: reset the stamps
    std::fill(frozen_stamp_.begin(), frozen_stamp_.end(), 0);
    stamp_ = 1;
  }
  for (uint32_t f : linkless_) rate[f] = std::numeric_limits<double>::infinity();
  heap_.clear();
  size_t keep = 0;
  for (uint32_t l : links_in_use_) {
    if (count_[l] == 0) {
      in_use_listed_[l] = 0;
      continue;
    }
    links_in_use_[keep++] = l;
    remaining_[l] = capacity[l];
    w_[l] = weight_[l];
    c_[l] = count_[l];
    heap_.push_back({remaining_[l] / std::max(w_[l], 1e-300), l});
  }
  links_in_use_.resize(keep);
  std::make_heap(heap_.begin(), heap_.end(), HeapGreater{});
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), HeapGreater{});
    const HeapEntry top = heap_.back();
    heap_.pop_back();
    const uint32_t l = top.link;
    if (c_[l] == 0) continue;  // every flow on it is already frozen
    const double level = std::max(0.0, remaining_[l]) / std::max(w_[l], 1e-300);
    if (level > top.level * (1 + 1e-12)) {
      heap_.push_back({level, l});  // stale key: re-queue with the current level
      std::push_heap(heap_.begin(), heap_.end(), HeapGreater{});
      continue;
    }
    // Link l saturates: freeze its unfrozen flows at `level`, dropping removed ids as we go.
    auto& list = link_flows_[l];
    size_t k = 0;
    for (size_t j = 0; j < list.size(); ++j) {
      const uint32_t f = list[j];
      if (!present_[f]) continue;
      list[k++] = f;
      if (frozen_stamp_[f] == stamp_) continue;
      frozen_stamp_[f] = stamp_;
      rate[f] = level;
      for (uint64_t i = p.begin[f]; i < p.end[f]; ++i) {
        const uint32_t l2 = p.link[i];
        remaining_[l2] -= level * p.share[i];
        w_[l2] -= p.share[i];
        --c_[l2];
      }
    }
    list.resize(k);
  }
}

void MaxMinSolver::solve_batch(const FlowPaths& flows, const double* capacity, double* rate) {
  // Rates land at flow ids; map them back to batch positions afterwards.
  uint32_t max_id = 0;
  auto id = [&](uint32_t i) { return flows.ids ? flows.ids[i] : i; };
  for (uint32_t i = 0; i < flows.num_flows; ++i) max_id = std::max(max_id, id(i));
  std::vector<double> by_id(flows.num_flows ? max_id + 1 : 0, 0.0);
  for (uint32_t i = 0; i < flows.num_flows; ++i) add(id(i), flows);
  solve(flows, capacity, by_id.data());
  for (uint32_t i = 0; i < flows.num_flows; ++i) {
    rate[i] = by_id[id(i)];
    remove(id(i), flows);
  }
}

}  // namespace moesim
