#include "sim/placement/eplb_policy.h"

#include <algorithm>

#include "sim/placement/packing.h"
#include "sim/placement/replication.h"
#include "traces/check.h"

namespace moesim::placement {

Phy2Log eplb_hierarchical(std::span<const double> w, int num_physical, int num_groups, int num_nodes,
                          int num_gpus) {
  const int num_experts = static_cast<int>(w.size());
  MOESIM_CHECK(num_experts % num_groups == 0 && num_groups % num_nodes == 0 && num_gpus % num_nodes == 0 &&
               num_physical % num_gpus == 0)
      << "E=" << num_experts << " groups=" << num_groups << " nodes=" << num_nodes << " gpus=" << num_gpus
      << " physical=" << num_physical;
  const int group_size = num_experts / num_groups;
  const int groups_per_node = num_groups / num_nodes;
  const int experts_per_node = num_experts / num_nodes;
  const int phy_per_node = num_physical / num_nodes;
  const int gpus_per_node = num_gpus / num_nodes;
  const int phy_per_gpu = num_physical / num_gpus;

  // Step 1: groups -> nodes. log2mlog numbers experts node-major ("middle" logical ids):
  // node n holds mlog ids [n * experts_per_node, (n + 1) * experts_per_node).
  std::vector<double> group_load(static_cast<size_t>(num_groups), 0.0);
  for (int e = 0; e < num_experts; ++e) group_load[static_cast<size_t>(e / group_size)] += w[static_cast<size_t>(e)];
  const PackAssignment groups = eplb_balanced_packing(group_load, num_nodes);
  std::vector<int> mlog2log(static_cast<size_t>(num_experts));
  for (int e = 0; e < num_experts; ++e) {
    const int g = e / group_size;
    const int mlog = (groups.pack[static_cast<size_t>(g)] * groups_per_node + groups.rank_in_pack[static_cast<size_t>(g)]) *
                         group_size + e % group_size;
    mlog2log[static_cast<size_t>(mlog)] = e;
  }

  Phy2Log out(static_cast<size_t>(num_physical));
  std::vector<double> node_w(static_cast<size_t>(experts_per_node));
  std::vector<double> phy_w(static_cast<size_t>(phy_per_node));
  for (int n = 0; n < num_nodes; ++n) {
    // Step 2: replicate within the node.
    for (int j = 0; j < experts_per_node; ++j) {
      node_w[static_cast<size_t>(j)] = w[static_cast<size_t>(mlog2log[static_cast<size_t>(n * experts_per_node + j)])];
    }
    const EplbReplication rep = eplb_replicate(node_w, phy_per_node);
    // Step 3: replicas -> the node's GPUs.
    for (int k = 0; k < phy_per_node; ++k) {
      const int m = rep.phy2log[static_cast<size_t>(k)];
      phy_w[static_cast<size_t>(k)] = node_w[static_cast<size_t>(m)] / rep.logcnt[static_cast<size_t>(m)];
    }
    const PackAssignment packs = eplb_balanced_packing(phy_w, gpus_per_node);
    for (int k = 0; k < phy_per_node; ++k) {
      const int pphy = packs.pack[static_cast<size_t>(k)] * phy_per_gpu + packs.rank_in_pack[static_cast<size_t>(k)];
      const int mlog = rep.phy2log[static_cast<size_t>(k)] + n * experts_per_node;
      out[static_cast<size_t>(n * phy_per_node + pphy)] = mlog2log[static_cast<size_t>(mlog)];
    }
  }
  return out;
}

Phy2Log eplb_place(const LayerProblem& p) {
  if (p.num_groups % p.num_nodes == 0) {
    return eplb_hierarchical(p.loads, p.num_physical, p.num_groups, p.num_nodes, p.num_gpus);
  }
  return eplb_hierarchical(p.loads, p.num_physical, 1, 1, p.num_gpus);
}

bool satisfies_one_copy(std::span<const int> phy2log, int num_gpus, int* gpu, int* expert) {
  const size_t slots = phy2log.size() / static_cast<size_t>(num_gpus);
  for (size_t g = 0; g < static_cast<size_t>(num_gpus); ++g) {
    for (size_t a = 0; a < slots; ++a) {
      for (size_t b = a + 1; b < slots; ++b) {
        const int ea = phy2log[g * slots + a];
        if (ea >= 0 && ea == phy2log[g * slots + b]) {
          if (gpu) *gpu = static_cast<int>(g);
          if (expert) *expert = ea;
          return false;
        }
      }
    }
  }
  return true;
}

Result<Phy2Log> EplbPolicy::place(const LayerProblem& p) const {
  Phy2Log out = eplb_place(p);
  int gpu = -1, expert = -1;
  if (p.one_copy_per_gpu && !satisfies_one_copy(out, p.num_gpus, &gpu, &expert)) {
    return make_error("", "--one-copy-per-gpu",
                      "policy eplb put two replicas of expert " + std::to_string(expert) + " on GPU " +
                          std::to_string(gpu) + " (EPLB has no one-copy rule; use policy 'balanced')");
  }
  return out;
}

}  // namespace moesim::placement
