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
// Cost. A solve is one walk over the present flows' paths plus a heap of links keyed by S_l
// with lazy keys: freezing flows at level L only raises the other links' S (their old S was
// >= L), so a stale key is a lower bound, and a popped link whose key is below its current S
// is re-pushed. The solver is incremental: flows are added and removed as they start and
// finish, and per-link flow lists and share sums are kept up to date between solves, so a
// solve does not rebuild anything proportional to the flows.
// Memory. Flat arrays indexed by link and flow id; paths stay in the caller's arrays.
// Thread-safety: one solver per thread.
#pragma once

#include <cstdint>
#include <vector>

namespace moesim {

// Where flows' paths live (the caller's arrays): flow id crosses links link[begin[id] ..
// end[id]) with shares share[...]. Links index the capacity array.
struct FlowPaths {
  const uint32_t* ids = nullptr;     // batch solve: [num_flows] or nullptr for 0..num_flows-1
  const uint64_t* begin = nullptr;   // per flow id
  const uint64_t* end = nullptr;     // per flow id
  const uint32_t* link = nullptr;
  const float* share = nullptr;
  uint32_t num_flows = 0;
};

class MaxMinSolver {
 public:
  explicit MaxMinSolver(uint32_t num_links);

  // Incremental use: a flow joins (or leaves) with its path as found in `paths`.
  void add(uint32_t flow, const FlowPaths& paths);
  void remove(uint32_t flow, const FlowPaths& paths);
  // Rates of every present flow, written to rate[flow id] (bytes/s). capacity[l] > 0 for every
  // link used. A present flow that crosses no link gets rate +inf.
  void solve(const FlowPaths& paths, const double* capacity, double* rate);

  // Batch use: solves the flows of `flows` (ids or 0..n-1) on their own and writes rate[i] for
  // the i-th of them; the solver is left empty.
  void solve_batch(const FlowPaths& flows, const double* capacity, double* rate);

 private:
  uint32_t num_links_;
  // Maintained between solves.
  std::vector<std::vector<uint32_t>> link_flows_;  // may hold removed ids until compacted
  std::vector<double> weight_;                     // sum of shares of present flows
  std::vector<uint32_t> count_;                    // present flows
  std::vector<uint32_t> links_in_use_;             // links with count_ > 0 (lazily compacted)
  std::vector<uint8_t> in_use_listed_;
  std::vector<uint8_t> present_;                   // per flow id
  std::vector<uint32_t> linkless_;                 // present flows without links
  // Per solve.
  std::vector<double> remaining_, w_;
  std::vector<uint32_t> c_;
  std::vector<uint32_t> frozen_stamp_;
  uint32_t stamp_ = 0;
  struct HeapEntry {
    double level;
    uint32_t link;
  };
  std::vector<HeapEntry> heap_;
};

}  // namespace moesim
