// Per-token top-k expert selection of the token-choice routing models.
//
// Model. Token x chooses its top_k experts by the scores  s_{x,e} = ln w_e + G_{x,e}  with
// G i.i.d. standard Gumbel and w_e the task's selection weight (popularity x balancing); the
// top-k of these scores is a Plackett-Luce draw: the best is e with probability w_e / sum w,
// the next is drawn the same way among the rest, and so on (Gumbel-top-k). For top-1 the share
// of expert e is exactly w_e / sum w. Ties (probability zero) and the degenerate fallbacks go
// to the lower index, as in the kernels.
//
// Equivalent "exponential race": expert e arrives at time a_e = exp(-s_{x,e}) ~ Exp(w_e); the
// top-k are the k first arrivals. Within a cell (a set of experts) of remaining weight W the
// next arrival comes after Exp(1) / W more time and is e with probability w_e / W (memoryless),
// so arrivals can be generated lazily, in order, per cell — without drawing one score per
// expert. Cost: O(k) alias draws per token when nothing constrains the choice (no times
// needed); with group/node limits, two arrivals per group/node (Exp(1) by ziggurat) plus the
// merge — about 7x the unconstrained cost at the DeepSeek-V3 shape (tests/bench/routing_bench).
//
// Group-limited routing (DeepSeek-V3 code): group score = sum of the top-2 scores of its
// experts (top-1 for one-expert groups); keep the topk_group best groups. Node-limited routing
// (DeepSeek-V3 paper): node score = sum of the top-max(1, k/M) scores of its still allowed
// experts; keep the M best nodes. With both, groups first, then nodes. Then the top-k among the
// allowed experts. Cells are the intersections of groups and nodes (contiguous expert ranges);
// a score of a set of cells is a lazy merge of their arrival sequences (score = -ln time).
// Sets with fewer experts than the terms sum what they have; sets with none score -inf.
//
// Correlated top-k: after the first choice f, each further choice is, with probability
// `correlation`, drawn from f's affinity group (allowed, not yet chosen experts of the group, in
// proportion to w) — co-activated experts — and otherwise is the next arrival of the race (the
// next Plackett-Luce draw). An affinity group with no candidate left falls back to the race.
//
// Not thread-safe: owns per-token scratch. One selector per thread.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/routing/alias_table.h"
#include "sim/routing/random.h"

namespace moesim::routing {

// Static layout of experts into groups and nodes (contiguous, equal-sized).
struct ExpertLayout {
  int num_experts = 0;
  int n_group = 0, topk_group = 0;    // group-limited when n_group > 1
  int num_nodes = 0, max_nodes = 0;   // node-limited when max_nodes > 0
  // Derived by finalize(): cells = intersections of groups and nodes.
  std::vector<int> cell_begin;        // [num_cells + 1]
  std::vector<int> group_first_cell;  // [n_group + 1] (when group-limited)
  std::vector<int> node_first_cell;   // [num_nodes + 1] (when node-limited)
  std::vector<int> cell_of_expert;    // [num_experts]
  int num_cells() const { return static_cast<int>(cell_begin.size()) - 1; }
  bool group_limited() const { return n_group > 1 && topk_group > 0; }
  bool node_limited() const { return max_nodes > 0; }
  void finalize();
};

// Selection weights of one (layer, task), with per-cell alias tables.
struct SelectionTables {
  std::vector<double> weight;     // [num_experts] >= 0; 0 = not selectable
  std::vector<AliasTable> cell_alias;
  std::vector<double> cell_total;
  std::vector<char> cell_has_weight;
  // Builds from weights (the vector is taken over).
  void build(std::vector<double> weights, const ExpertLayout& layout);
};

// Co-activation groups: a partition of the experts into groups of a given size.
struct AffinityGroups {
  std::vector<int> members;       // experts, grouped
  std::vector<int> group_begin;   // [num_groups + 1] into members
  std::vector<int> group_of;      // [num_experts]
};

class TokenSelector {
 public:
  TokenSelector(const ExpertLayout& layout, int top_k, double correlation);
  // Writes the token's top_k distinct experts, best first, into out[0..top_k).
  void select(const SelectionTables& tables, const AffinityGroups* affinity, Rng& rng, int32_t* out);

 private:
  void select_unconstrained(const SelectionTables& t, const AffinityGroups* aff, Rng& rng, int32_t* out);
  void select_limited(const SelectionTables& t, const AffinityGroups* aff, Rng& rng, int32_t* out);
  // Next arrival of cell c's race; false when the cell has nothing left.
  bool arrive(const SelectionTables& t, int c, Rng& rng);
  // Product of the first m arrival times among the allowed cells in [cb, ce) (+inf if none).
  // A set's score, the sum of its top-m scores -ln(time), is -ln(product): ranking sets by
  // smallest product needs no log.
  double top_m_product(const SelectionTables& t, int cb, int ce, int m, Rng& rng);
  // next_time_[c] = time of cell c's arrival at its cursor (generated if needed), inf if none.
  void refresh_next_time(const SelectionTables& t, int c, Rng& rng);
  // Next arrival among allowed cells not yet picked; -1 when none left.
  int next_allowed_arrival(const SelectionTables& t, Rng& rng);
  // A correlated choice from f's affinity group; -1 when no candidate.
  int affinity_pick(const SelectionTables& t, const AffinityGroups& aff, int f, bool use_allowed, Rng& rng);
  // Keeps the `keep` best (smallest) of product[0..n) (ties: lower index) and marks the cells of
  // the rest (cells first_cell[i] .. first_cell[i+1]) not allowed.
  void keep_best(const double* product, int n, int keep, const std::vector<int>& first_cell);

  const ExpertLayout& layout_;
  int top_k_;
  double correlation_;
  uint32_t token_ = 0;                 // stamp of the current token
  std::vector<uint32_t> picked_;       // [E] == token_: chosen by this token
  std::vector<uint32_t> arrived_;      // [E] == token_: arrived in its cell's race
  std::vector<double> arrival_time_;   // [E] by cell: arrival_time_[cell_begin[c] + i]
  std::vector<int32_t> arrival_expert_;
  std::vector<int> num_arrived_, cursor_;
  std::vector<double> last_time_, remaining_;
  std::vector<char> allowed_;
  std::vector<int> allowed_list_;
  std::vector<double> score_, next_time_;
};

}  // namespace moesim::routing
