#include "sim/placement/replication.h"

#include <queue>
#include <utility>

#include "traces/check.h"

namespace moesim::placement {

EplbReplication eplb_replicate(std::span<const double> loads, int num_physical) {
  const int n = static_cast<int>(loads.size());
  MOESIM_CHECK(num_physical >= n) << num_physical << " physical for " << n << " logical experts";
  EplbReplication r;
  r.phy2log.resize(static_cast<size_t>(num_physical));
  r.rank.assign(static_cast<size_t>(num_physical), 0);
  r.logcnt.assign(static_cast<size_t>(n), 1);
  for (int e = 0; e < n; ++e) r.phy2log[static_cast<size_t>(e)] = e;
  for (int p = n; p < num_physical; ++p) {
    int best = 0;
    double best_ratio = loads[0] / r.logcnt[0];
    for (int e = 1; e < n; ++e) {
      const double ratio = loads[static_cast<size_t>(e)] / r.logcnt[static_cast<size_t>(e)];
      if (ratio > best_ratio) {  // strict: the first maximal index wins, as torch.max
        best_ratio = ratio;
        best = e;
      }
    }
    r.phy2log[static_cast<size_t>(p)] = best;
    r.rank[static_cast<size_t>(p)] = r.logcnt[static_cast<size_t>(best)];
    ++r.logcnt[static_cast<size_t>(best)];
  }
  return r;
}

std::vector<int> replicate_min_max(std::span<const double> loads, int num_physical, int cap,
                                   std::vector<int>* pick_order) {
  const int n = static_cast<int>(loads.size());
  MOESIM_CHECK(num_physical >= n) << num_physical << " physical for " << n << " logical experts";
  std::vector<int> cnt(static_cast<size_t>(n), 1);
  if (pick_order) pick_order->clear();
  using Entry = std::pair<double, int>;  // (load per replica, expert)
  auto less = [](const Entry& a, const Entry& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); };
  std::vector<Entry> storage;
  storage.reserve(static_cast<size_t>(n));
  std::priority_queue<Entry, std::vector<Entry>, decltype(less)> heap(less, std::move(storage));
  std::vector<int> capped;
  for (int e = 0; e < n; ++e) {
    if (cap > 1) heap.push({loads[static_cast<size_t>(e)], e});
    else capped.push_back(e);
  }
  for (int extra = num_physical - n; extra > 0; --extra) {
    if (heap.empty()) {  // every expert at its cap: lift it
      for (int e : capped) heap.push({loads[static_cast<size_t>(e)] / cnt[static_cast<size_t>(e)], e});
      capped.clear();
      cap = num_physical;
    }
    const int e = heap.top().second;
    heap.pop();
    const int c = ++cnt[static_cast<size_t>(e)];
    if (pick_order) pick_order->push_back(e);
    if (c < cap) heap.push({loads[static_cast<size_t>(e)] / c, e});
    else capped.push_back(e);
  }
  return cnt;
}

}  // namespace moesim::placement
