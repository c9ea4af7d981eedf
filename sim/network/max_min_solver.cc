#include "sim/network/max_min_solver.h"

#include <algorithm>
#include <cmath>
#include <limits>

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
      remaining_(num_links, 0),
      weight_(num_links, 0),
      link_load_(num_links, 0),
      count_(num_links, 0),
      link_count_total_(num_links, 0),
      link_begin_(num_links + 1, 0),
      link_fill_(num_links, 0) {}

void MaxMinSolver::solve(const FlowPaths& fp, const double* capacity, double* rate) {
  // Reset only the links touched by the previous solve.
  for (uint32_t l : touched_links_) {
    weight_[l] = 0;
    count_[l] = 0;
    link_count_total_[l] = 0;
    link_load_[l] = 0;
  }
  touched_links_.clear();

  // Per-link share sums and flow counts.
  const uint32_t nf = fp.num_flows;
  auto id = [&](uint32_t f) -> uint32_t { return fp.ids ? fp.ids[f] : f; };
  for (uint32_t f = 0; f < nf; ++f) {
    for (uint64_t i = fp.begin[id(f)]; i < fp.end[id(f)]; ++i) {
      const uint32_t l = fp.link[i];
      if (count_[l] == 0) touched_links_.push_back(l);
      weight_[l] += fp.share[i];
      ++count_[l];
    }
  }
  // No sort needed: the heap orders links by (level, link id), so the result does not depend on
  // the order links were first touched.
  // Link -> flows CSR over the touched links (link_begin_ indexed by link id; untouched links
  // have empty ranges because count_ is 0).
  uint32_t acc = 0;
  for (uint32_t l : touched_links_) {
    link_begin_[l] = acc;
    link_fill_[l] = acc;
    acc += count_[l];
    link_count_total_[l] = count_[l];
    remaining_[l] = capacity[l];
  }
  link_flows_.resize(acc);
  for (uint32_t f = 0; f < nf; ++f) {
    for (uint64_t i = fp.begin[id(f)]; i < fp.end[id(f)]; ++i) link_flows_[link_fill_[fp.link[i]]++] = f;
  }

  frozen_.assign(nf, 0);
  for (uint32_t f = 0; f < nf; ++f) {
    if (fp.begin[id(f)] == fp.end[id(f)]) {
      rate[f] = std::numeric_limits<double>::infinity();
      frozen_[f] = 1;
    }
  }
  heap_.clear();
  for (uint32_t l : touched_links_) heap_.push_back({remaining_[l] / weight_[l], l});
  std::make_heap(heap_.begin(), heap_.end(), HeapGreater{});

  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), HeapGreater{});
    const HeapEntry top = heap_.back();
    heap_.pop_back();
    const uint32_t l = top.link;
    if (count_[l] == 0) continue;  // every flow on it is already frozen
    const double level = std::max(0.0, remaining_[l]) / std::max(weight_[l], 1e-300);
    if (level > top.level * (1 + 1e-12)) {
      heap_.push_back({level, l});  // stale key: re-queue with the current level
      std::push_heap(heap_.begin(), heap_.end(), HeapGreater{});
      continue;
    }
    // Link l saturates: freeze its unfrozen flows at `level`.
    for (uint32_t k = link_begin_[l]; k < link_begin_[l] + link_count_total_[l]; ++k) {
      const uint32_t f = link_flows_[k];
      if (frozen_[f]) continue;
      frozen_[f] = 1;
      rate[f] = level;
      for (uint64_t i = fp.begin[id(f)]; i < fp.end[id(f)]; ++i) {
        const uint32_t l2 = fp.link[i];
        remaining_[l2] -= level * fp.share[i];
        weight_[l2] -= fp.share[i];
        --count_[l2];
      }
    }
  }
}

const std::vector<double>& MaxMinSolver::link_load(const FlowPaths& fp, const double* rate) {
  for (uint32_t l : touched_links_) link_load_[l] = 0;
  for (uint32_t f = 0; f < fp.num_flows; ++f) {
    const uint32_t fid = fp.ids ? fp.ids[f] : f;
    if (std::isinf(rate[f])) continue;
    for (uint64_t i = fp.begin[fid]; i < fp.end[fid]; ++i) link_load_[fp.link[i]] += rate[f] * fp.share[i];
  }
  return link_load_;
}

}  // namespace moesim
