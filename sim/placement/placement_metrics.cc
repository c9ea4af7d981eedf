#include "sim/placement/placement_metrics.h"

#include <algorithm>
#include <numeric>
#include <queue>

#include "traces/check.h"

namespace moesim::placement {

std::vector<int> logcnt(std::span<const int> phy2log, int num_experts) {
  std::vector<int> cnt(static_cast<size_t>(num_experts), 0);
  for (int e : phy2log) {
    if (e < 0) continue;
    MOESIM_CHECK(e < num_experts) << "phy2log holds expert " << e << " of " << num_experts;
    ++cnt[static_cast<size_t>(e)];
  }
  return cnt;
}

std::vector<double> gpu_load(std::span<const double> loads, std::span<const int> phy2log, int num_gpus) {
  MOESIM_CHECK(num_gpus > 0 && phy2log.size() % static_cast<size_t>(num_gpus) == 0)
      << phy2log.size() << " slots over " << num_gpus << " GPUs";
  const auto cnt = logcnt(phy2log, static_cast<int>(loads.size()));
  const size_t slots = phy2log.size() / static_cast<size_t>(num_gpus);
  std::vector<double> out(static_cast<size_t>(num_gpus), 0.0);
  for (size_t s = 0; s < phy2log.size(); ++s) {
    const int e = phy2log[s];
    if (e < 0) continue;
    out[s / slots] += loads[static_cast<size_t>(e)] / cnt[static_cast<size_t>(e)];
  }
  return out;
}

double max_of(std::span<const double> v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

double imbalance(std::span<const double> gpu_loads) {
  if (gpu_loads.empty()) return 1.0;
  const double total = std::accumulate(gpu_loads.begin(), gpu_loads.end(), 0.0);
  if (total <= 0) return 1.0;
  return max_of(gpu_loads) / (total / static_cast<double>(gpu_loads.size()));
}

double min_max_replica_load(std::span<const double> loads, int num_physical, int cap) {
  const int n = static_cast<int>(loads.size());
  if (n == 0) return 0.0;
  std::vector<int> cnt(static_cast<size_t>(n), 1);
  // Max-heap on load per replica; experts at their cap leave the heap.
  using Entry = std::pair<double, int>;
  auto less = [](const Entry& a, const Entry& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); };
  std::priority_queue<Entry, std::vector<Entry>, decltype(less)> heap(less);
  double capped_max = 0.0;  // largest per-replica load among experts that can take no more
  for (int e = 0; e < n; ++e) {
    if (cap > 1) heap.push({loads[static_cast<size_t>(e)], e});
    else capped_max = std::max(capped_max, loads[static_cast<size_t>(e)]);
  }
  for (int extra = num_physical - n; extra > 0 && !heap.empty(); --extra) {
    const int e = heap.top().second;
    heap.pop();
    const int c = ++cnt[static_cast<size_t>(e)];
    const double per = loads[static_cast<size_t>(e)] / c;
    if (c < cap) heap.push({per, e});
    else capped_max = std::max(capped_max, per);
  }
  return std::max(capped_max, heap.empty() ? 0.0 : heap.top().first);
}

double load_lower_bound(std::span<const double> loads, int num_physical, int num_gpus, bool one_copy_per_gpu) {
  const double total = std::accumulate(loads.begin(), loads.end(), 0.0);
  const int cap = one_copy_per_gpu ? num_gpus : num_physical;
  return std::max(total / num_gpus, min_max_replica_load(loads, num_physical, cap));
}

double cross_node_coactivation(std::span<const int> phy2log, int num_gpus, int num_nodes,
                               const std::vector<std::vector<double>>& c) {
  const size_t n = c.size();
  const size_t slots_per_node = phy2log.size() / static_cast<size_t>(num_nodes);
  MOESIM_CHECK(num_gpus % num_nodes == 0) << num_gpus << " GPUs on " << num_nodes << " nodes";
  // on_node[e][k] = 1 when node k holds a replica of expert e.
  std::vector<std::vector<char>> on_node(n, std::vector<char>(static_cast<size_t>(num_nodes), 0));
  for (size_t s = 0; s < phy2log.size(); ++s) {
    const int e = phy2log[s];
    if (e >= 0 && static_cast<size_t>(e) < n) on_node[static_cast<size_t>(e)][s / slots_per_node] = 1;
  }
  double total = 0, cross = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double w = 0.5 * (c[i][j] + c[j][i]);
      if (w <= 0) continue;
      total += w;
      bool shared = false;
      for (int k = 0; k < num_nodes && !shared; ++k) shared = on_node[i][static_cast<size_t>(k)] && on_node[j][static_cast<size_t>(k)];
      if (!shared) cross += w;
    }
  }
  return total > 0 ? cross / total : 0.0;
}

}  // namespace moesim::placement
