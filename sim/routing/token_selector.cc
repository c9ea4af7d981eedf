#include "sim/routing/token_selector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "traces/check.h"

namespace moesim::routing {
namespace {

// A set with no selectable expert: an infinite product of arrival times (score -inf). Products
// that overflow are clamped to the largest double, so they rank below every finite product
// and tie among themselves (-> lower index), but above sets with nothing selectable.
constexpr double kNoScore = std::numeric_limits<double>::infinity();
constexpr double kMaxProduct = std::numeric_limits<double>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Rejection sampling from an alias table is used while the excluded experts hold at most this
// share of the weight (expected tries <= 1 / (1 - share) = 4); beyond it, an exact scan.
constexpr double kRejectionShare = 0.75;
constexpr int kMaxTries = 16;

}  // namespace

void ExpertLayout::finalize() {
  // Cell boundaries: union of group and node boundaries (both contiguous, equal-sized).
  std::vector<int> bounds = {0, num_experts};
  if (group_limited())
    for (int g = 1; g < n_group; ++g) bounds.push_back(g * (num_experts / n_group));
  if (node_limited())
    for (int n = 1; n < num_nodes; ++n) bounds.push_back(n * (num_experts / num_nodes));
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  cell_begin = bounds;
  cell_of_expert.assign(num_experts, 0);
  for (int c = 0; c < num_cells(); ++c)
    for (int e = cell_begin[c]; e < cell_begin[c + 1]; ++e) cell_of_expert[e] = c;
  auto first_cells = [&](int parts) {
    std::vector<int> first(parts + 1);
    for (int p = 0; p <= parts; ++p) {
      const int e = p * (num_experts / parts);
      first[p] = p == parts ? num_cells() : cell_of_expert[e];
    }
    return first;
  };
  group_first_cell = group_limited() ? first_cells(n_group) : std::vector<int>{};
  node_first_cell = node_limited() ? first_cells(num_nodes) : std::vector<int>{};
}

void SelectionTables::build(std::vector<double> weights, const ExpertLayout& layout) {
  weight = std::move(weights);
  const int cells = layout.num_cells();
  cell_alias.resize(cells);
  cell_total.assign(cells, 0.0);
  cell_has_weight.assign(cells, 0);
  for (int c = 0; c < cells; ++c) {
    const int b = layout.cell_begin[c], e = layout.cell_begin[c + 1];
    double total = 0;
    for (int i = b; i < e; ++i) total += weight[i];
    cell_total[c] = total;
    cell_has_weight[c] = total > 0;
    if (total > 0) cell_alias[c].build(weight.data() + b, e - b);
  }
}

TokenSelector::TokenSelector(const ExpertLayout& layout, int top_k, double correlation)
    : layout_(layout), top_k_(top_k), correlation_(correlation) {
  const int n = layout.num_experts, cells = layout.num_cells();
  picked_.assign(n, 0);
  arrived_.assign(n, 0);
  arrival_time_.assign(n, 0.0);
  arrival_expert_.assign(n, -1);
  num_arrived_.assign(cells, 0);
  cursor_.assign(cells, 0);
  last_time_.assign(cells, 0.0);
  remaining_.assign(cells, 0.0);
  allowed_.assign(cells, 1);
  next_time_.assign(cells, kInf);
  score_.assign(std::max({layout.n_group, layout.num_nodes, 1}), kNoScore);
  allowed_list_.reserve(cells);
}

void TokenSelector::select(const SelectionTables& tables, const AffinityGroups* affinity, Rng& rng,
                           int32_t* out) {
  if (++token_ == 0) {  // stamps wrapped: forget every old stamp
    std::fill(picked_.begin(), picked_.end(), 0);
    std::fill(arrived_.begin(), arrived_.end(), 0);
    token_ = 1;
  }
  const AffinityGroups* aff = correlation_ > 0 ? affinity : nullptr;
  if (layout_.group_limited() || layout_.node_limited()) {
    select_limited(tables, aff, rng, out);
  } else {
    select_unconstrained(tables, aff, rng, out);
  }
}

// One cell, no times needed: sequential Plackett-Luce draws, rejecting chosen experts.
void TokenSelector::select_unconstrained(const SelectionTables& t, const AffinityGroups* aff,
                                         Rng& rng, int32_t* out) {
  const AliasTable& alias = t.cell_alias[0];
  const double total = t.cell_total[0];
  double chosen_weight = 0;
  for (int j = 0; j < top_k_; ++j) {
    int e = -1;
    if (j > 0 && aff && rng.uniform() < correlation_) e = affinity_pick(t, *aff, out[0], false, rng);
    if (e < 0 && chosen_weight <= kRejectionShare * total) {
      for (int tries = 0; tries < kMaxTries; ++tries) {
        const int cand = alias.sample(rng.next_u64());
        if (picked_[cand] != token_) {
          e = cand;
          break;
        }
      }
    }
    if (e < 0) {  // exact draw among the experts not chosen yet
      double rem = 0;
      for (int i = 0; i < layout_.num_experts; ++i)
        if (picked_[i] != token_) rem += t.weight[i];
      double u = rng.uniform() * rem;
      int last_positive = -1;
      for (int i = 0; i < layout_.num_experts && e < 0; ++i) {
        if (picked_[i] == token_ || t.weight[i] <= 0) continue;
        last_positive = i;
        u -= t.weight[i];
        if (u < 0) e = i;
      }
      if (e < 0) e = last_positive;  // rounding at the end of the scan
      MOESIM_CHECK(e >= 0) << "token-choice: fewer than top_k = " << top_k_ << " selectable experts";
    }
    out[j] = e;
    picked_[e] = token_;
    chosen_weight += t.weight[e];
  }
}

bool TokenSelector::arrive(const SelectionTables& t, int c, Rng& rng) {
  const int b = layout_.cell_begin[c], end = layout_.cell_begin[c + 1];
  int& n = num_arrived_[c];
  if (!t.cell_has_weight[c] || n == end - b) return false;
  double& rem = remaining_[c];
  int e = -1;
  const bool by_rejection = rem >= (1.0 - kRejectionShare) * t.cell_total[c];
  if (!by_rejection) {  // exact remaining weight (also repairs subtraction error)
    rem = 0;
    for (int i = b; i < end; ++i)
      if (arrived_[i] != token_) rem += t.weight[i];
  }
  if (!(rem > 0)) return false;
  const double time = last_time_[c] + rng.exponential_fast() / rem;
  if (by_rejection) {
    for (int tries = 0; tries < kMaxTries && e < 0; ++tries) {
      const int cand = b + t.cell_alias[c].sample(rng.next_u64());
      if (arrived_[cand] != token_) e = cand;
    }
  }
  if (e < 0) {
    double total = 0;
    for (int i = b; i < end; ++i)
      if (arrived_[i] != token_) total += t.weight[i];
    double u = rng.uniform() * total;
    int last_positive = -1;
    for (int i = b; i < end && e < 0; ++i) {
      if (arrived_[i] == token_ || t.weight[i] <= 0) continue;
      last_positive = i;
      u -= t.weight[i];
      if (u < 0) e = i;
    }
    if (e < 0) e = last_positive;
    if (e < 0) return false;
  }
  arrived_[e] = token_;
  arrival_time_[b + n] = time;
  arrival_expert_[b + n] = e;
  ++n;
  last_time_[c] = time;
  rem -= t.weight[e];
  return true;
}

double TokenSelector::top_m_product(const SelectionTables& t, int cb, int ce, int m, Rng& rng) {
  double product = 1.0;
  int found = 0;
  if (ce - cb == 1) {  // one cell (groups = nodes, or nested the other way): its first m arrivals
    if (!allowed_[cb]) return kNoScore;
    for (int i = 0; i < m; ++i) {
      if (num_arrived_[cb] <= i && !arrive(t, cb, rng)) break;
      product *= arrival_time_[layout_.cell_begin[cb] + i];
      ++found;
    }
    return found > 0 ? std::min(product, kMaxProduct) : kNoScore;
  }
  for (int c = cb; c < ce; ++c) cursor_[c] = 0;
  for (int i = 0; i < m; ++i) {  // lazy merge of the cells' arrival sequences
    int best = -1;
    double best_time = kInf;
    for (int c = cb; c < ce; ++c) {
      if (!allowed_[c]) continue;
      if (num_arrived_[c] <= cursor_[c] && !arrive(t, c, rng)) continue;
      const double time = arrival_time_[layout_.cell_begin[c] + cursor_[c]];
      if (time < best_time) best_time = time, best = c;
    }
    if (best < 0) break;
    ++cursor_[best];
    product *= best_time;
    ++found;
  }
  return found > 0 ? std::min(product, kMaxProduct) : kNoScore;
}

void TokenSelector::keep_best(const double* product, int n, int keep, const std::vector<int>& first_cell) {
  // Rank of each set in the order (product ascending, index ascending): best = smallest product
  // of arrival times (= largest sum of scores), ties to the lower index. Branch-free counting:
  // the products are random, so a selection loop would mispredict on every comparison.
  for (int i = 0; i < n; ++i) {
    int rank = 0;
    for (int j = 0; j < n; ++j)
      rank += static_cast<int>(product[j] < product[i]) | static_cast<int>(product[j] == product[i] && j < i);
    if (rank < keep && product[i] != kNoScore) continue;
    for (int c = first_cell[i]; c < first_cell[i + 1]; ++c) allowed_[c] = 0;
  }
}

void TokenSelector::refresh_next_time(const SelectionTables& t, int c, Rng& rng) {
  next_time_[c] = num_arrived_[c] > cursor_[c] || arrive(t, c, rng)
                      ? arrival_time_[layout_.cell_begin[c] + cursor_[c]]
                      : kInf;
}

int TokenSelector::next_allowed_arrival(const SelectionTables& t, Rng& rng) {
  while (true) {
    int best = -1;
    double best_time = kInf;
    for (int c : allowed_list_) {  // few cells: a branch-free argmin
      const bool better = next_time_[c] < best_time;
      best_time = better ? next_time_[c] : best_time;
      best = better ? c : best;
    }
    if (best < 0) return -1;
    const int e = arrival_expert_[layout_.cell_begin[best] + cursor_[best]++];
    refresh_next_time(t, best, rng);
    if (picked_[e] != token_) return e;  // an expert chosen by co-selection is skipped
  }
}

void TokenSelector::select_limited(const SelectionTables& t, const AffinityGroups* aff, Rng& rng,
                                   int32_t* out) {
  const int cells = layout_.num_cells();
  for (int c = 0; c < cells; ++c) {
    num_arrived_[c] = 0;
    last_time_[c] = 0;
    remaining_[c] = t.cell_total[c];
    allowed_[c] = t.cell_has_weight[c];
  }
  if (layout_.group_limited()) {
    const int group_size = layout_.num_experts / layout_.n_group;
    for (int g = 0; g < layout_.n_group; ++g)
      score_[g] = top_m_product(t, layout_.group_first_cell[g], layout_.group_first_cell[g + 1],
                                std::min(2, group_size), rng);
    keep_best(score_.data(), layout_.n_group, layout_.topk_group, layout_.group_first_cell);
  }
  // The node limit binds only if more than M nodes still hold allowed experts (with groups =
  // nodes and topk_group <= M, as in DeepSeek-V3, it never does: skip the scoring then).
  int nodes_in_use = 0;
  if (layout_.node_limited()) {
    for (int n = 0; n < layout_.num_nodes; ++n) {
      bool any = false;
      for (int c = layout_.node_first_cell[n]; c < layout_.node_first_cell[n + 1]; ++c) any |= allowed_[c] != 0;
      nodes_in_use += any;
    }
  }
  if (layout_.node_limited() && nodes_in_use > layout_.max_nodes) {
    const int m = std::max(1, top_k_ / layout_.max_nodes);
    for (int n = 0; n < layout_.num_nodes; ++n)
      score_[n] = top_m_product(t, layout_.node_first_cell[n], layout_.node_first_cell[n + 1], m, rng);
    keep_best(score_.data(), layout_.num_nodes, layout_.max_nodes, layout_.node_first_cell);
  }
  allowed_list_.clear();
  for (int c = 0; c < cells; ++c) {
    cursor_[c] = 0;
    if (!allowed_[c]) continue;
    allowed_list_.push_back(c);
    refresh_next_time(t, c, rng);
  }
  for (int j = 0; j < top_k_; ++j) {
    int e = -1;
    if (j > 0 && aff && rng.uniform() < correlation_) e = affinity_pick(t, *aff, out[0], true, rng);
    if (e < 0) e = next_allowed_arrival(t, rng);
    MOESIM_CHECK(e >= 0) << "limited routing: fewer than top_k = " << top_k_ << " allowed experts";
    out[j] = e;
    picked_[e] = token_;
  }
}

int TokenSelector::affinity_pick(const SelectionTables& t, const AffinityGroups& aff, int f,
                                 bool use_allowed, Rng& rng) {
  const int g = aff.group_of[f];
  const int b = aff.group_begin[g], end = aff.group_begin[g + 1];
  auto candidate = [&](int e) {
    return picked_[e] != token_ && t.weight[e] > 0 &&
           (!use_allowed || allowed_[layout_.cell_of_expert[e]]);
  };
  double total = 0;
  for (int i = b; i < end; ++i)
    if (candidate(aff.members[i])) total += t.weight[aff.members[i]];
  if (!(total > 0)) return -1;
  double u = rng.uniform() * total;
  int last = -1;
  for (int i = b; i < end; ++i) {
    const int e = aff.members[i];
    if (!candidate(e)) continue;
    last = e;
    u -= t.weight[e];
    if (u < 0) return e;
  }
  return last;
}

}  // namespace moesim::routing
