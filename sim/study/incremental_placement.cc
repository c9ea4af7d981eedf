#include "sim/study/incremental_placement.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace moesim::study {
namespace {

// The slot table with what the pay rule needs: per-GPU load, replica counts, and the copies
// each GPU would have to receive.
class State {
 public:
  State(int num_gpus, int slots_per_gpu, std::span<const double> loads)
      : g_(num_gpus), s_(slots_per_gpu), e_(static_cast<int>(loads.size())), loads_(loads),
        table_(static_cast<size_t>(num_gpus) * slots_per_gpu, -1), count_(e_, 0),
        old_holds_(static_cast<size_t>(num_gpus) * e_, 0), existed_(e_, 0), load_(num_gpus, 0.0), moves_(num_gpus, 0) {}

  int gpu_of(int slot) const { return slot / s_; }
  int at(int slot) const { return table_[slot]; }
  int count(int e) const { return count_[e]; }
  int num_slots() const { return static_cast<int>(table_.size()); }
  int num_experts() const { return e_; }
  bool existed(int e) const { return existed_[e] != 0; }
  const std::vector<int>& table() const { return table_; }

  void set_old(int slot, int e) {
    table_[slot] = e;
    old_holds_[static_cast<size_t>(gpu_of(slot)) * e_ + e] = 1;
    existed_[e] = 1;
  }
  void set(int slot, int e) { table_[slot] = e; }
  bool holds(int gpu, int e) const {
    for (int s = gpu * s_; s < (gpu + 1) * s_; ++s) {
      if (table_[s] == e) return true;
    }
    return false;
  }
  // A copy into `gpu` of expert `e`: only experts that existed and the GPU did not hold.
  bool costs_copy(int gpu, int e) const { return e >= 0 && existed_[e] && !old_holds_[static_cast<size_t>(gpu) * e_ + e]; }

  void recompute() {
    std::fill(count_.begin(), count_.end(), 0);
    for (int e : table_) {
      if (e >= 0) ++count_[e];
    }
    std::fill(load_.begin(), load_.end(), 0.0);
    std::fill(moves_.begin(), moves_.end(), 0);
    for (int s = 0; s < num_slots(); ++s) {
      const int e = table_[s];
      if (e < 0) continue;
      load_[gpu_of(s)] += loads_[e] / count_[e];
      if (costs_copy(gpu_of(s), e)) ++moves_[gpu_of(s)];
    }
  }
  double load(int g) const { return load_[g]; }
  double rep_load(int e) const { return loads_[e] / count_[e]; }
  double max_load() const { return *std::max_element(load_.begin(), load_.end()); }
  int max_moves() const { return *std::max_element(moves_.begin(), moves_.end()); }
  int busiest() const { return static_cast<int>(std::max_element(load_.begin(), load_.end()) - load_.begin()); }
  int moves(int g) const { return moves_[g]; }

 private:
  int g_, s_, e_;
  std::span<const double> loads_;
  std::vector<int> table_, count_;
  std::vector<char> old_holds_, existed_;
  std::vector<double> load_;
  std::vector<int> moves_;
};

// Largest of v over indices other than a and b, from its three largest entries.
template <typename T>
struct Top3 {
  explicit Top3(const std::vector<T>& v) {
    for (int i = 0; i < static_cast<int>(v.size()); ++i) {
      for (int k = 0; k < 3; ++k) {
        if (idx[k] < 0 || v[i] > val[k]) {
          for (int m = 2; m > k; --m) idx[m] = idx[m - 1], val[m] = val[m - 1];
          idx[k] = i, val[k] = v[i];
          break;
        }
      }
    }
  }
  T max_excluding(int a, int b) const {
    for (int k = 0; k < 3; ++k) {
      if (idx[k] >= 0 && idx[k] != a && idx[k] != b) return val[k];
    }
    return T{};
  }
  int idx[3] = {-1, -1, -1};
  T val[3] = {};
};

}  // namespace

Result<IncrementalResult> incremental_placement(std::span<const int> old_phy2log, int num_gpus, int slots_per_gpu,
                                                std::span<const double> loads, const IncrementalCosts& costs) {
  if (num_gpus < 1 || old_phy2log.empty() || old_phy2log.size() % num_gpus != 0) {
    return Error{"incremental placement: the old slot table (" + std::to_string(old_phy2log.size()) + " slots) does not divide over " +
                 std::to_string(num_gpus) + " GPUs"};
  }
  const int old_spg = static_cast<int>(old_phy2log.size()) / num_gpus;
  if (slots_per_gpu < old_spg) {
    return Error{"incremental placement: " + std::to_string(slots_per_gpu) + " slots per GPU is fewer than the " + std::to_string(old_spg) +
                 " already used"};
  }
  const int num_experts = static_cast<int>(loads.size());
  for (double l : loads) {
    if (!(l >= 0)) return Error{"incremental placement: loads must be finite and >= 0"};
  }
  State st(num_gpus, slots_per_gpu, loads);
  for (int g = 0; g < num_gpus; ++g) {
    for (int j = 0; j < old_spg; ++j) {
      const int e = old_phy2log[static_cast<size_t>(g) * old_spg + j];
      if (e >= num_experts) {
        return Error{"incremental placement: the old table holds expert " + std::to_string(e) + " but only " + std::to_string(num_experts) +
                     " experts have loads"};
      }
      if (e >= 0) st.set_old(g * slots_per_gpu + j, e);
    }
  }
  st.recompute();
  IncrementalResult res;
  const double value_per_load = costs.seconds_per_assignment * costs.remaining_steps;
  auto migration = [&] { return st.max_moves() * costs.seconds_per_expert_move; };

  // 1. New experts, heaviest first, into empty or redundant slots.
  std::vector<int> missing;
  for (int e = 0; e < num_experts; ++e) {
    if (st.count(e) == 0) missing.push_back(e);
  }
  std::stable_sort(missing.begin(), missing.end(), [&](int a, int b) { return loads[a] > loads[b]; });
  for (int e : missing) {
    int best = -1;
    double best_max = 0, best_gpu = 0;
    bool best_empty = false;
    for (int s = 0; s < st.num_slots(); ++s) {
      const int x = st.at(s);
      const bool empty = x < 0;
      if (!empty && st.count(x) < 2) continue;
      st.set(s, e);
      st.recompute();
      const double mx = st.max_load(), gl = st.load(st.gpu_of(s));
      st.set(s, x);
      const bool better = best < 0 || mx < best_max || (mx == best_max && (gl < best_gpu || (gl == best_gpu && empty && !best_empty)));
      if (better) best = s, best_max = mx, best_gpu = gl, best_empty = empty;
    }
    st.recompute();
    if (best < 0) {
      const int need = (num_experts + num_gpus - 1) / num_gpus;
      return Error{"incremental placement: new expert " + std::to_string(e) + " finds no empty or redundant slot among " +
                   std::to_string(num_gpus) + " GPUs x " + std::to_string(slots_per_gpu) + " slots (at least " + std::to_string(need) +
                   " slots per GPU are needed)"};
    }
    if (!best_empty) ++res.replicas_evicted;
    st.set(best, e);
    st.recompute();
    ++res.new_experts_placed;
  }

  // 2. Leftover empty slots: a replica where it pays (largest net benefit first).
  for (bool placed = true; placed;) {
    placed = false;
    const double mx0 = st.max_load(), mig0 = migration();
    int best_s = -1, best_e = -1;
    double best_net = 0;
    for (int s = 0; s < st.num_slots(); ++s) {
      if (st.at(s) >= 0) continue;
      const int g = st.gpu_of(s);
      for (int x = 0; x < num_experts; ++x) {
        if (st.count(x) == 0 || st.holds(g, x)) continue;
        st.set(s, x);
        st.recompute();
        const double net = (mx0 - st.max_load()) * value_per_load - (migration() - mig0);
        st.set(s, -1);
        if (net > best_net && mx0 - st.max_load() > 0) best_net = net, best_s = s, best_e = x;
      }
      st.recompute();
    }
    if (best_s >= 0) {
      st.set(best_s, best_e);
      st.recompute();
      ++res.replicas_added;
      placed = true;
    }
  }

  // 3. Paying swaps between the busiest GPU and the others. Swaps keep replica counts, so a
  // swap's effect is local: L_g - r_x + r_y and L_h + r_x - r_y.
  const int max_swaps = 4 * st.num_slots();
  while (res.swaps < max_swaps && value_per_load > 0) {
    std::vector<double> load(num_gpus);
    std::vector<int> moves(num_gpus);
    for (int g = 0; g < num_gpus; ++g) load[g] = st.load(g), moves[g] = st.moves(g);
    const Top3<double> top_load(load);
    const Top3<int> top_moves(moves);
    const int g = st.busiest();
    const double mx0 = load[g];
    const double mig0 = st.max_moves() * costs.seconds_per_expert_move;
    int best_a = -1, best_b = -1;
    double best_net = 0;
    for (int a = g * slots_per_gpu; a < (g + 1) * slots_per_gpu; ++a) {
      const int x = st.at(a);
      const double rx = x >= 0 ? st.rep_load(x) : 0.0;
      for (int b = 0; b < st.num_slots(); ++b) {
        const int h = st.gpu_of(b);
        const int y = st.at(b);
        if (h == g || x == y) continue;
        const double ry = y >= 0 ? st.rep_load(y) : 0.0;
        if (ry >= rx) continue;  // only a lighter expert onto the busiest GPU can lower it
        if ((x >= 0 && st.holds(h, x)) || (y >= 0 && st.holds(g, y))) continue;
        const double lg = load[g] - rx + ry, lh = load[h] + rx - ry;
        const double mx = std::max({lg, lh, top_load.max_excluding(g, h)});
        const int mg = moves[g] - st.costs_copy(g, x) + st.costs_copy(g, y);
        const int mh = moves[h] - st.costs_copy(h, y) + st.costs_copy(h, x);
        const int mm = std::max({mg, mh, top_moves.max_excluding(g, h)});
        const double net = (mx0 - mx) * value_per_load - (mm * costs.seconds_per_expert_move - mig0);
        if (mx < mx0 && net > best_net) best_net = net, best_a = a, best_b = b;
      }
    }
    if (best_a < 0) break;
    const int x = st.at(best_a), y = st.at(best_b);
    st.set(best_a, y);
    st.set(best_b, x);
    st.recompute();
    ++res.swaps;
  }
  res.phy2log = st.table();
  res.empty_slots = static_cast<int>(std::count(res.phy2log.begin(), res.phy2log.end(), -1));
  res.max_load = st.max_load();
  res.migration_s = migration();
  return res;
}

}  // namespace moesim::study
