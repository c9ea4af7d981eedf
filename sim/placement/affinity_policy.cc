#include "sim/placement/affinity_policy.h"

#include <algorithm>
#include <numeric>

#include "sim/placement/balanced_policy.h"

namespace moesim::placement {

std::vector<int> affinity_home_nodes(std::span<const double> loads, int num_nodes,
                                     const std::vector<std::vector<double>>& c) {
  const int n = static_cast<int>(loads.size());
  const auto N = static_cast<size_t>(num_nodes);
  auto sym = [&](int i, int j) { return i == j ? 0.0 : 0.5 * (c[static_cast<size_t>(i)][static_cast<size_t>(j)] + c[static_cast<size_t>(j)][static_cast<size_t>(i)]); };
  const double total = std::accumulate(loads.begin(), loads.end(), 0.0);
  const double limit = (1 + kNodeLoadSlack) * total / num_nodes;

  std::vector<int> capacity(N);
  for (size_t k = 0; k < N; ++k) capacity[k] = n / num_nodes + (static_cast<int>(k) < n % num_nodes ? 1 : 0);
  std::vector<int> home(static_cast<size_t>(n), -1);
  std::vector<int> members(N, 0);
  std::vector<double> node_load(N, 0.0);
  // aff[e * N + k] = co-activation between e and the experts on node k.
  std::vector<double> aff(static_cast<size_t>(n) * N, 0.0);
  auto join = [&](int e, int k) {
    home[static_cast<size_t>(e)] = k;
    ++members[static_cast<size_t>(k)];
    node_load[static_cast<size_t>(k)] += loads[static_cast<size_t>(e)];
    for (int x = 0; x < n; ++x) aff[static_cast<size_t>(x) * N + static_cast<size_t>(k)] += sym(x, e);
  };

  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return loads[static_cast<size_t>(a)] > loads[static_cast<size_t>(b)]; });
  for (int e : order) {
    const double w = loads[static_cast<size_t>(e)];
    int best = -1, lightest = -1;
    for (size_t k = 0; k < N; ++k) {
      if (members[k] >= capacity[k]) continue;
      if (lightest < 0 || node_load[k] < node_load[static_cast<size_t>(lightest)]) lightest = static_cast<int>(k);
      if (node_load[k] + w > limit) continue;
      const double a = aff[static_cast<size_t>(e) * N + k];
      const double ab = best < 0 ? -1.0 : aff[static_cast<size_t>(e) * N + static_cast<size_t>(best)];
      if (best < 0 || a > ab || (a == ab && node_load[k] < node_load[static_cast<size_t>(best)])) best = static_cast<int>(k);
    }
    join(e, best >= 0 ? best : lightest);
  }

  // Step 2: pairwise swaps that lower the cut without breaking the load limit.
  for (int pass = 0; pass < 8; ++pass) {
    bool changed = false;
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) {
        const auto na = static_cast<size_t>(home[static_cast<size_t>(a)]);
        const auto nb = static_cast<size_t>(home[static_cast<size_t>(b)]);
        if (na == nb) continue;
        const double gain = aff[static_cast<size_t>(a) * N + nb] - aff[static_cast<size_t>(a) * N + na] +
                            aff[static_cast<size_t>(b) * N + na] - aff[static_cast<size_t>(b) * N + nb] - 2 * sym(a, b);
        if (gain <= 1e-12 * std::max(1.0, std::abs(aff[static_cast<size_t>(a) * N + na]))) continue;
        const double d = loads[static_cast<size_t>(b)] - loads[static_cast<size_t>(a)];
        const double new_a = node_load[na] + d, new_b = node_load[nb] - d;
        const double allowed = std::max(limit, std::max(node_load[na], node_load[nb]));
        if (std::max(new_a, new_b) > allowed) continue;
        node_load[na] = new_a;
        node_load[nb] = new_b;
        home[static_cast<size_t>(a)] = static_cast<int>(nb);
        home[static_cast<size_t>(b)] = static_cast<int>(na);
        for (int x = 0; x < n; ++x) {
          const double dxa = sym(x, a), dxb = sym(x, b);
          aff[static_cast<size_t>(x) * N + na] += dxb - dxa;
          aff[static_cast<size_t>(x) * N + nb] += dxa - dxb;
        }
        changed = true;
      }
    }
    if (!changed) break;
  }
  return home;
}

Result<Phy2Log> AffinityPolicy::place(const LayerProblem& p) const {
  if (p.coactivation == nullptr) {
    return make_error("", "--coactivation", "policy affinity needs a co-activation matrix (--coactivation FILE)");
  }
  const int n = p.num_experts();
  if (n < p.num_nodes) {
    return make_error("", "--nodes", "policy affinity needs at least one expert per node (" + std::to_string(n) +
                                         " experts, " + std::to_string(p.num_nodes) + " nodes)");
  }
  const std::vector<int> home = affinity_home_nodes(p.loads, p.num_nodes, *p.coactivation);
  const int phy_per_node = p.num_physical / p.num_nodes;
  Phy2Log out;
  out.reserve(static_cast<size_t>(p.num_physical));
  for (int k = 0; k < p.num_nodes; ++k) {
    std::vector<int> experts;
    std::vector<double> w;
    for (int e = 0; e < n; ++e) {
      if (home[static_cast<size_t>(e)] == k) {
        experts.push_back(e);
        w.push_back(p.loads[static_cast<size_t>(e)]);
      }
    }
    MOESIM_ASSIGN_OR_RETURN(PackedLayer packed, pack_min_max(w, phy_per_node, p.gpus_per_node(), p.one_copy_per_gpu));
    for (int local : packed.phy2log) out.push_back(experts[static_cast<size_t>(local)]);
  }
  return out;
}

}  // namespace moesim::placement
