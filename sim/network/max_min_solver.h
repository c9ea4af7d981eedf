// Max-min fair rates for flows sharing links (progressive filling).
//
// Definition. Flow f crosses link l with share c_fl in (0, 1] (the fraction of its rate on l;
// 1 on a single path, 1/k on each of k equal-split ECMP branches). Rates r_f are feasible when
// every link holds  sum_f c_fl * r_f <= C_l. They are max-min fair when no flow's rate can
// grow without lowering the rate of a flow whose rate is no larger.
//
// Progressive filling. Raise every unfrozen flow's rate together from 0 (a common "water
// level" L). Link l saturates when  F_l + L * W_l = C_l, where F_l is the load of its frozen
// flows and W_l the sum of shares of its unfrozen flows, i.e. at level S_l = (C_l - F_l) / W_l.
// The link with the smallest S_l saturates first: its unfrozen flows freeze at rate S_l, which
// adds S_l * c to F of every other link they cross and removes c from W. Repeat until every
// flow is frozen. Each link is saturated once and each flow frozen once.
//
// Cost. O(sum of path lengths * log links) per solve: a heap of links keyed by S_l with lazy
// keys. Freezing flows at level L only raises the other links' S (their old S was >= L), so a
// stale key is a lower bound; a popped link whose key is below its current S is re-pushed.
// Memory. Flat arrays (struct of arrays) sized by flows and links; nothing per flow on the heap.
// Thread-safety: one solver per thread (it owns scratch buffers).
#pragma once

#include <cstdint>
#include <vector>

namespace moesim {

// The flows to solve, in CSR form: the i-th flow solved is id = ids ? ids[i] : i, and crosses
// links link[begin[id] .. end[id]) with shares share[...]. Links index the capacity array.
struct FlowPaths {
  const uint32_t* ids = nullptr;     // [num_flows] or nullptr for 0..num_flows-1
  const uint64_t* begin = nullptr;   // per flow id
  const uint64_t* end = nullptr;     // per flow id
  const uint32_t* link = nullptr;
  const float* share = nullptr;
  uint32_t num_flows = 0;
};

class MaxMinSolver {
 public:
  explicit MaxMinSolver(uint32_t num_links);

  // Fills rate[i] for the i-th flow solved (bytes/s). capacity[l] > 0 for every link used.
  // A flow that crosses no link gets rate +inf.
  void solve(const FlowPaths& flows, const double* capacity, double* rate);

  // Per link, after solve(): number of flows crossing it (for busy-time accounting).
  const std::vector<uint32_t>& link_flow_count() const { return link_count_total_; }
  // Per link, after solve() with the same flows and rates: sum of share * rate, bytes/s.
  const std::vector<double>& link_load(const FlowPaths& flows, const double* rate);
  // Links crossed by at least one flow in the last solve (in first-touched order).
  const std::vector<uint32_t>& used_links() const { return touched_links_; }

 private:
  uint32_t num_links_;
  std::vector<double> remaining_, weight_, link_load_;
  std::vector<uint32_t> count_, link_count_total_, link_begin_, link_fill_;
  std::vector<uint32_t> link_flows_;  // flows of each link, CSR by link_begin_
  std::vector<uint8_t> frozen_;
  std::vector<uint32_t> touched_links_;
  struct HeapEntry {
    double level;
    uint32_t link;
  };
  std::vector<HeapEntry> heap_;
};

}  // namespace moesim
