#include "sim/moe/layer_traffic.h"

#include <algorithm>

#include "sim/topology/router.h"
#include "traces/check.h"

namespace moesim {

LayerTraffic build_layer_traffic(const LayerRouting& r, const std::vector<int>& phy2log, int num_gpus,
                                 int gpus_per_node, uint64_t salt) {
  MOESIM_CHECK(num_gpus > 0 && phy2log.size() % num_gpus == 0) << "slot table does not divide over GPUs";
  MOESIM_CHECK(r.num_src == num_gpus) << "routing has " << r.num_src << " sources for " << num_gpus << " GPUs";
  const int slots_per_gpu = static_cast<int>(phy2log.size()) / num_gpus;
  const int gpn = std::max(1, std::min(gpus_per_node, num_gpus));
  const int nodes = (num_gpus + gpn - 1) / gpn;
  const int num_experts = r.num_experts;
  LayerTraffic t;
  t.num_gpus = num_gpus;
  t.gpus_per_node = gpn;
  t.slot_tokens.assign(phy2log.size(), 0.0);
  t.gpu_tokens.assign(static_cast<size_t>(num_gpus) * num_gpus, 0.0);
  t.node_tokens.assign(static_cast<size_t>(num_gpus) * nodes, 0.0);
  t.received.assign(num_gpus, 0.0);
  t.assignments.assign(num_gpus, 0.0);
  t.expert_load.assign(num_experts, 0.0);
  t.tokens_dropped = r.tokens_dropped;

  // Replica slots of each logical expert.
  std::vector<std::vector<int>> replicas(num_experts);
  for (size_t s = 0; s < phy2log.size(); ++s) {
    const int e = phy2log[s];
    if (e >= 0 && e < num_experts) replicas[e].push_back(static_cast<int>(s));
  }
  for (int e = 0; e < num_experts; ++e) {
    const double load = [&] {
      double x = 0;
      for (int src = 0; src < num_gpus; ++src) x += r.counts[static_cast<size_t>(src) * num_experts + e];
      return x;
    }();
    MOESIM_CHECK(!replicas[e].empty() || load == 0) << "expert " << e << " receives tokens but has no slot";
  }

  if (r.has_tokens()) {
    const double w = r.token_scale;
    std::vector<int> gpus, node_ids;
    for (int src = 0; src < num_gpus; ++src) {
      for (int tok = 0; tok < r.sampled_tokens; ++tok) {
        gpus.clear();
        node_ids.clear();
        const int32_t* ids = &r.expert_ids[(static_cast<size_t>(src) * r.sampled_tokens + tok) * r.top_k];
        for (int k = 0; k < r.top_k; ++k) {
          const int e = ids[k];
          if (e < 0) continue;
          const auto& reps = replicas[e];
          const int slot = reps.size() == 1
                               ? reps[0]
                               : reps[mix64(salt ^ (static_cast<uint64_t>(src) << 40) ^ (static_cast<uint64_t>(tok) << 20) ^
                                            static_cast<uint64_t>(e)) % reps.size()];
          t.slot_tokens[slot] += w;
          t.expert_load[e] += w;
          const int g = slot / slots_per_gpu;
          if (std::find(gpus.begin(), gpus.end(), g) == gpus.end()) gpus.push_back(g);
        }
        for (int g : gpus) {
          t.gpu_tokens[static_cast<size_t>(src) * num_gpus + g] += w;
          const int node = g / gpn;
          if (std::find(node_ids.begin(), node_ids.end(), node) == node_ids.end()) node_ids.push_back(node);
        }
        for (int node : node_ids) t.node_tokens[static_cast<size_t>(src) * nodes + node] += w;
      }
    }
  } else {
    for (int src = 0; src < num_gpus; ++src) {
      for (int e = 0; e < num_experts; ++e) {
        const double c = r.counts[static_cast<size_t>(src) * num_experts + e];
        if (c <= 0) continue;
        const auto& reps = replicas[e];
        const double share = c / reps.size();
        for (int slot : reps) {
          const int g = slot / slots_per_gpu;
          t.slot_tokens[slot] += share;
          t.gpu_tokens[static_cast<size_t>(src) * num_gpus + g] += share;
          t.node_tokens[static_cast<size_t>(src) * nodes + g / gpn] += share;
        }
        t.expert_load[e] += c;
      }
    }
  }
  for (int src = 0; src < num_gpus; ++src) {
    for (int g = 0; g < num_gpus; ++g) t.received[g] += t.gpu_tokens[static_cast<size_t>(src) * num_gpus + g];
  }
  for (size_t s = 0; s < t.slot_tokens.size(); ++s) t.assignments[s / slots_per_gpu] += t.slot_tokens[s];
  return t;
}

}  // namespace moesim
