// From one MoE layer's routing and placement to what each GPU computes and what crosses the
// network (one EP group; the step simulator replicates it over DP groups).
//
// A token is sent to a destination GPU once however many of its experts live there (the
// dispatch buffers hold tokens, not (token, expert) pairs), and, for the rail algorithm, to a
// destination node once (DeepEP forwards inside the node). A replicated expert's tokens are
// spread evenly over its replicas (hashing each (token, expert) to a replica), as the planner
// assumes. Without per-token routes (trace replay) each assignment is sent on its own: an upper
// bound on traffic.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/routing/routing_model.h"

namespace moesim {

struct LayerTraffic {
  int num_gpus = 0, gpus_per_node = 1;
  std::vector<double> slot_tokens;     // [num_gpus * slots_per_gpu] assignments per physical slot
  std::vector<double> gpu_tokens;      // [src][dst] tokens sent (deduplicated per destination GPU)
  std::vector<double> node_tokens;     // [src][dst node] tokens sent (deduplicated per node)
  std::vector<double> received;        // [gpu] tokens received (deduplicated), own included
  std::vector<double> assignments;     // [gpu] expert assignments computed on each GPU
  std::vector<double> expert_load;     // [logical expert] assignments
  double tokens_dropped = 0;
};

// `phy2log` is the GPU-major slot table of one layer (-1 = empty) for `num_gpus` GPUs;
// GPU g sits on node g / gpus_per_node. `salt` decorrelates replica choices between layers.
LayerTraffic build_layer_traffic(const LayerRouting& routing, const std::vector<int>& phy2log, int num_gpus,
                                 int gpus_per_node, uint64_t salt);

}  // namespace moesim
