#include "sim/placement/packing.h"

#include <algorithm>
#include <numeric>

#include "traces/check.h"

namespace moesim::placement {
namespace {

// Item indices by weight, heaviest first; equal weights keep index order (a stable sort, which
// is what torch's CPU sort does for EPLB's inputs). Runs of equal consecutive weights (the
// replicas of one expert) are sorted as one key (weight, first index): the same order, fewer keys.
std::vector<int> order_heaviest_first(std::span<const double> w) {
  struct Run {
    double neg_w;
    int first, size;
  };
  std::vector<Run> runs;
  runs.reserve(w.size());
  for (size_t i = 0; i < w.size();) {
    size_t j = i + 1;
    while (j < w.size() && w[j] == w[i]) ++j;
    runs.push_back({-w[i], static_cast<int>(i), static_cast<int>(j - i)});
    i = j;
  }
  std::sort(runs.begin(), runs.end(),
            [](const Run& a, const Run& b) { return a.neg_w < b.neg_w || (a.neg_w == b.neg_w && a.first < b.first); });
  std::vector<int> idx;
  idx.reserve(w.size());
  for (const Run& r : runs) {
    for (int k = 0; k < r.size; ++k) idx.push_back(r.first + k);
  }
  return idx;
}

}  // namespace

PackAssignment eplb_balanced_packing(std::span<const double> w, int num_packs) {
  const int n = static_cast<int>(w.size());
  MOESIM_CHECK(num_packs > 0 && n % num_packs == 0) << n << " items into " << num_packs << " packs";
  const int per_pack = n / num_packs;
  PackAssignment out;
  out.pack.assign(static_cast<size_t>(n), -1);
  out.rank_in_pack.assign(static_cast<size_t>(n), 0);
  if (per_pack == 1) {
    std::iota(out.pack.begin(), out.pack.end(), 0);
    return out;
  }
  std::vector<double> pack_w(static_cast<size_t>(num_packs), 0.0);
  std::vector<int> pack_n(static_cast<size_t>(num_packs), 0);
  for (int item : order_heaviest_first(w)) {
    int best = -1;
    for (int p = 0; p < num_packs; ++p) {
      if (pack_n[static_cast<size_t>(p)] >= per_pack) continue;
      if (best < 0 || pack_w[static_cast<size_t>(p)] < pack_w[static_cast<size_t>(best)]) best = p;
    }
    out.pack[static_cast<size_t>(item)] = best;
    out.rank_in_pack[static_cast<size_t>(item)] = pack_n[static_cast<size_t>(best)]++;
    pack_w[static_cast<size_t>(best)] += w[static_cast<size_t>(item)];
  }
  return out;
}

SlotPacking::SlotPacking(std::span<const double> weights, std::span<const int> experts, int num_gpus,
                         bool one_copy_per_gpu)
    : w_(weights), expert_(experts), num_gpus_(num_gpus), one_copy_(one_copy_per_gpu) {
  MOESIM_CHECK(weights.size() == experts.size()) << weights.size() << " weights, " << experts.size() << " experts";
  MOESIM_CHECK(num_gpus > 0 && weights.size() % static_cast<size_t>(num_gpus) == 0)
      << weights.size() << " items on " << num_gpus << " GPUs";
  slots_ = static_cast<int>(weights.size()) / num_gpus;
  slot_.assign(weights.size(), -1);
  fill_.assign(static_cast<size_t>(num_gpus), 0);
  load_.assign(static_cast<size_t>(num_gpus), 0.0);
}

bool SlotPacking::holds(int gpu, int expert) const {
  for (int i : on(gpu)) {
    if (expert_[static_cast<size_t>(i)] == expert) return true;
  }
  return false;
}

const std::vector<int>& SlotPacking::heaviest_first() {
  if (order_.size() != w_.size()) order_ = order_heaviest_first(w_);
  return order_;
}

void SlotPacking::place(int item, int gpu) {
  slot_[static_cast<size_t>(gpu) * static_cast<size_t>(slots_) + static_cast<size_t>(fill_[static_cast<size_t>(gpu)]++)] = item;
  load_[static_cast<size_t>(gpu)] += w_[static_cast<size_t>(item)];
}

void SlotPacking::clear() {
  std::fill(fill_.begin(), fill_.end(), 0);
  std::fill(load_.begin(), load_.end(), 0.0);
}

bool SlotPacking::pack_lpt() {
  clear();
  const std::vector<int>& order = heaviest_first();
  // The heaviest G items go to the empty GPUs in index order, as the heap below would send
  // them while each makes its GPU heavier than the empty ones (a positive weight).
  size_t first = 0;
  if (slots_ > 0) {
    for (; first < order.size() && first < static_cast<size_t>(num_gpus_) && w_[static_cast<size_t>(order[first])] > 0; ++first) {
      place(order[first], static_cast<int>(first));
    }
  }
  // Min-heap of GPUs with room by (load, index): the lightest GPU, lowest index on ties.
  using Entry = std::pair<double, int>;
  std::vector<Entry> heap;
  heap.reserve(static_cast<size_t>(num_gpus_));
  for (int g = 0; g < num_gpus_; ++g) {
    if (fill_[static_cast<size_t>(g)] < slots_) heap.push_back({load_[static_cast<size_t>(g)], g});
  }
  const auto heavier = [](const Entry& a, const Entry& b) { return a > b; };
  std::make_heap(heap.begin(), heap.end(), heavier);
  std::vector<Entry> skipped;  // GPUs passed over under one-copy, returned after each item
  for (size_t k = first; k < order.size(); ++k) {
    const int item = order[k];
    const int e = expert_[static_cast<size_t>(item)];
    int best = -1;
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), heavier);
      const Entry top = heap.back();
      heap.pop_back();
      if (one_copy_ && holds(top.second, e)) {
        skipped.push_back(top);
        continue;
      }
      best = top.second;
      break;
    }
    for (const Entry& s : skipped) {
      heap.push_back(s);
      std::push_heap(heap.begin(), heap.end(), heavier);
    }
    skipped.clear();
    if (best >= 0) {
      place(item, best);
      if (fill_[static_cast<size_t>(best)] < slots_) {
        heap.push_back({load_[static_cast<size_t>(best)], best});
        std::push_heap(heap.begin(), heap.end(), heavier);
      }
      continue;
    }
    // One-copy dead end: every GPU with room already holds e. Move an item x from a full GPU h
    // that lacks e to a GPU g with room that lacks x's expert, then put `item` on h.
    int g_room = -1, h_full = -1, x_pos = -1;
    double best_peak = 0;
    for (int g = 0; g < num_gpus_; ++g) {
      if (fill_[static_cast<size_t>(g)] >= slots_) continue;
      for (int h = 0; h < num_gpus_; ++h) {
        if (fill_[static_cast<size_t>(h)] < slots_ || holds(h, e)) continue;
        const auto hv = on(h);
        for (size_t k = 0; k < hv.size(); ++k) {
          const int x = hv[k];
          if (holds(g, expert_[static_cast<size_t>(x)])) continue;
          const double wx = w_[static_cast<size_t>(x)];
          const double peak = std::max(load_[static_cast<size_t>(g)] + wx,
                                       load_[static_cast<size_t>(h)] - wx + w_[static_cast<size_t>(item)]);
          if (g_room < 0 || peak < best_peak) {
            g_room = g;
            h_full = h;
            x_pos = static_cast<int>(k);
            best_peak = peak;
          }
        }
      }
    }
    if (g_room < 0) return false;
    const auto hv = on(h_full);
    const int x = hv[static_cast<size_t>(x_pos)];
    std::copy(hv.begin() + x_pos + 1, hv.end(), hv.begin() + x_pos);
    --fill_[static_cast<size_t>(h_full)];
    load_[static_cast<size_t>(h_full)] -= w_[static_cast<size_t>(x)];
    place(x, g_room);
    place(item, h_full);
    // The repair changed two GPUs' loads: rebuild the heap of GPUs with room.
    heap.clear();
    for (int g = 0; g < num_gpus_; ++g) {
      if (fill_[static_cast<size_t>(g)] < slots_) heap.push_back({load_[static_cast<size_t>(g)], g});
    }
    std::make_heap(heap.begin(), heap.end(), heavier);
  }
  return true;
}

bool SlotPacking::pack_best_fit(double capacity) {
  clear();
  if (w_.empty()) return true;
  const double w_min = *std::min_element(w_.begin(), w_.end());
  const double limit = capacity * (1 + 1e-12);
  for (int item : heaviest_first()) {
    const double w = w_[static_cast<size_t>(item)];
    const int e = expert_[static_cast<size_t>(item)];
    int best = -1;
    for (int g = 0; g < num_gpus_; ++g) {
      const int room = slots_ - fill_[static_cast<size_t>(g)];
      if (room <= 0) continue;
      const double l = load_[static_cast<size_t>(g)];
      if (l + w + (room - 1) * w_min > limit) continue;
      if (best >= 0 && l <= load_[static_cast<size_t>(best)]) continue;
      if (one_copy_ && holds(g, e)) continue;
      best = g;
    }
    if (best < 0) return false;
    place(item, best);
  }
  return true;
}

void SlotPacking::pack_dealt() {
  clear();
  std::vector<int> idx(w_.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
    const double wa = w_[static_cast<size_t>(a)], wb = w_[static_cast<size_t>(b)];
    if (wa != wb) return wa > wb;
    return expert_[static_cast<size_t>(a)] < expert_[static_cast<size_t>(b)];
  });
  for (size_t k = 0; k < idx.size(); ++k) place(idx[k], static_cast<int>(k % static_cast<size_t>(num_gpus_)));
}

void SlotPacking::assign(std::span<const int> pack_of) {
  MOESIM_CHECK(pack_of.size() == w_.size()) << pack_of.size() << " vs " << w_.size();
  clear();
  for (size_t i = 0; i < pack_of.size(); ++i) {
    const int g = pack_of[i];
    MOESIM_CHECK(g >= 0 && g < num_gpus_ && fill_[static_cast<size_t>(g)] < slots_)
        << "item " << i << " to GPU " << g << " of " << num_gpus_ << " (" << slots_ << " slots each)";
    place(static_cast<int>(i), g);
  }
}

int SlotPacking::improve_by_swaps(int max_swaps, double good_enough) {
  // GPUs by load, lightest first (index on ties); a swap changes two loads, and two insertion
  // passes restore the order.
  std::vector<int> order(static_cast<size_t>(num_gpus_));
  std::iota(order.begin(), order.end(), 0);
  const auto lighter = [&](int a, int b) {
    const double la = load_[static_cast<size_t>(a)], lb = load_[static_cast<size_t>(b)];
    return la < lb || (la == lb && a < b);
  };
  std::sort(order.begin(), order.end(), lighter);
  const auto reposition = [&](int gpu) {
    size_t k = static_cast<size_t>(std::find(order.begin(), order.end(), gpu) - order.begin());
    while (k > 0 && lighter(order[k], order[k - 1])) std::swap(order[k], order[k - 1]), --k;
    while (k + 1 < order.size() && lighter(order[k + 1], order[k])) std::swap(order[k], order[k + 1]), ++k;
  };
  int swaps = 0;
  while (swaps < max_swaps && num_gpus_ > 1) {
    const int g = order.back();
    const double lg = load_[static_cast<size_t>(g)];
    if (lg <= good_enough) break;
    // Improvements below this are rounding noise; insisting on them could cycle.
    const double eps = 1e-12 * std::max(1.0, lg);
    double best_peak = lg - eps;
    int best_a = -1, best_h = -1, best_b = -1;
    const auto gv = on(g);
    for (size_t kh = 0; kh + 1 < order.size(); ++kh) {
      const int h = order[kh];
      const double lh = load_[static_cast<size_t>(h)];
      // A swap with h leaves a peak of at least (lg + lh) / 2, and later GPUs are heavier.
      if (0.5 * (lg + lh) >= best_peak) break;
      const auto hv = on(h);
      for (size_t ka = 0; ka < gv.size(); ++ka) {
        const int a = gv[ka];
        const double wa = w_[static_cast<size_t>(a)];
        const int ea = expert_[static_cast<size_t>(a)];
        bool checked_a = false;
        for (size_t kb = 0; kb < hv.size(); ++kb) {
          const int b = hv[kb];
          const double d = wa - w_[static_cast<size_t>(b)];
          if (d <= 0) continue;
          const double peak = std::max(lg - d, lh + d);
          if (peak >= best_peak) continue;
          if (one_copy_) {
            if (!checked_a) {
              if (holds(h, ea)) break;
              checked_a = true;
            }
            if (holds(g, expert_[static_cast<size_t>(b)])) continue;
          }
          best_peak = peak;
          best_a = static_cast<int>(ka);
          best_h = h;
          best_b = static_cast<int>(kb);
        }
      }
    }
    if (best_a < 0) break;
    const auto av = on(g);
    const auto bv = on(best_h);
    const double d = w_[static_cast<size_t>(av[static_cast<size_t>(best_a)])] - w_[static_cast<size_t>(bv[static_cast<size_t>(best_b)])];
    std::swap(av[static_cast<size_t>(best_a)], bv[static_cast<size_t>(best_b)]);
    load_[static_cast<size_t>(g)] -= d;
    load_[static_cast<size_t>(best_h)] += d;
    reposition(g);
    reposition(best_h);
    ++swaps;
  }
  return swaps;
}

double SlotPacking::max_load() const { return *std::max_element(load_.begin(), load_.end()); }

Phy2Log SlotPacking::phy2log() const {
  Phy2Log out;
  out.reserve(w_.size());
  for (int g = 0; g < num_gpus_; ++g) {
    for (int i : on(g)) out.push_back(expert_[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace moesim::placement
