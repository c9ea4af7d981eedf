// Traffic matrices for the traffic view: GPU x GPU dispatch bytes of a layer (from a
// SimResult) summed into host x host blocks, and, for expert-load traces that record what each
// rank routed (rank_counts), the rank x rank token matrix implied by a contiguous expert
// layout (expert e on rank e / (num_experts / num_ranks), as SmartMoE's FastMoE run had it).
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "traces/proto/expert_load.pb.h"

namespace moesim::viz {

struct SquareMatrix {
  int n = 0;
  std::vector<double> v;  // row-major, row = source
  double at(int r, int c) const { return v[static_cast<size_t>(r) * n + c]; }
  double max() const;
};

// Sums a num_gpus x num_gpus matrix into num_nodes x num_nodes blocks (node ids 0..).
SquareMatrix aggregate_by_node(const std::vector<double>& gpu_matrix, int num_gpus,
                               const std::vector<int>& node_of_gpu);

// Whether rank_traffic() can work on this trace: rank_counts present and num_experts a
// multiple of num_ranks.
bool trace_has_rank_traffic(const ExpertLoadTrace& trace);

// Tokens rank r sends to rank q at snapshot `step`, layer `layer`:
// sum over experts e hosted on q of rank_counts[step][r][layer][e].
SquareMatrix rank_traffic(const ExpertLoadTrace& trace, int step, int layer);

}  // namespace moesim::viz
