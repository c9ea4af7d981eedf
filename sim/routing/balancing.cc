#include "sim/routing/balancing.h"

#include "traces/check.h"

namespace moesim::routing {

Balancer::Balancer(BalancingKind kind, double strength, int num_layers, int max_experts)
    : kind_(kind), strength_(strength), offsets_(num_layers, std::vector<double>(max_experts, 0.0)) {}

void Balancer::update(const std::vector<std::vector<double>>& expert_load_per_layer) {
  if (kind_ == BalancingKind::kNone) return;
  MOESIM_CHECK(expert_load_per_layer.size() == offsets_.size())
      << "end_step: " << expert_load_per_layer.size() << " load vectors for " << offsets_.size()
      << " MoE layers";
  for (size_t layer = 0; layer < offsets_.size(); ++layer) {
    const std::vector<double>& load = expert_load_per_layer[layer];
    if (load.empty()) continue;
    std::vector<double>& off = offsets_[layer];
    MOESIM_CHECK(load.size() <= off.size()) << "layer " << layer << ": load over " << load.size()
                                            << " experts, model has at most " << off.size();
    double mean = 0;
    for (double v : load) mean += v;
    mean /= static_cast<double>(load.size());
    if (!(mean > 0)) continue;
    for (size_t e = 0; e < load.size(); ++e) {
      if (kind_ == BalancingKind::kBias) {
        const double diff = mean - load[e];
        off[e] += strength_ * ((diff > 0) - (diff < 0));
      } else {
        off[e] -= strength_ * (load[e] - mean) / mean;
      }
    }
  }
}

}  // namespace moesim::routing
