#include "viz/traffic_model.h"

#include <algorithm>

namespace moesim::viz {

double SquareMatrix::max() const {
  double m = 0;
  for (double x : v) m = std::max(m, x);
  return m;
}

SquareMatrix aggregate_by_node(const std::vector<double>& gpu_matrix, int num_gpus,
                               const std::vector<int>& node_of_gpu) {
  SquareMatrix out;
  int nodes = 0;
  for (int g = 0; g < num_gpus && g < static_cast<int>(node_of_gpu.size()); ++g) {
    nodes = std::max(nodes, node_of_gpu[g] + 1);
  }
  out.n = std::max(nodes, 1);
  out.v.assign(static_cast<size_t>(out.n) * out.n, 0.0);
  if (gpu_matrix.size() != static_cast<size_t>(num_gpus) * num_gpus) return out;
  auto node = [&](int g) { return g < static_cast<int>(node_of_gpu.size()) ? std::max(node_of_gpu[g], 0) : 0; };
  for (int s = 0; s < num_gpus; ++s) {
    for (int d = 0; d < num_gpus; ++d) {
      out.v[static_cast<size_t>(node(s)) * out.n + node(d)] += gpu_matrix[static_cast<size_t>(s) * num_gpus + d];
    }
  }
  return out;
}

bool trace_has_rank_traffic(const ExpertLoadTrace& trace) {
  const uint64_t ranks = trace.num_ranks();
  return ranks > 0 && trace.num_experts() % ranks == 0 &&
         static_cast<uint64_t>(trace.rank_counts_size()) ==
             uint64_t{trace.num_steps()} * ranks * trace.num_layers() * trace.num_experts();
}

SquareMatrix rank_traffic(const ExpertLoadTrace& trace, int step, int layer) {
  SquareMatrix out;
  if (!trace_has_rank_traffic(trace)) return out;
  const int ranks = static_cast<int>(trace.num_ranks());
  const int layers = static_cast<int>(trace.num_layers());
  const int experts = static_cast<int>(trace.num_experts());
  const int experts_per_rank = experts / ranks;
  out.n = ranks;
  out.v.assign(static_cast<size_t>(ranks) * ranks, 0.0);
  for (int r = 0; r < ranks; ++r) {
    const size_t base = ((static_cast<size_t>(step) * ranks + r) * layers + layer) * experts;
    for (int e = 0; e < experts; ++e) {
      out.v[static_cast<size_t>(r) * ranks + e / experts_per_rank] += trace.rank_counts(static_cast<int>(base + e));
    }
  }
  return out;
}

}  // namespace moesim::viz
