#include "viz/placement_model.h"

namespace moesim::viz {

const LayerPlacement* placement_for_layer(const Placement& placement, int layer) {
  if (placement.layers_size() == 0) return nullptr;
  if (placement.layers_size() == 1) return &placement.layers(0);
  if (layer < 0 || layer >= placement.layers_size()) return nullptr;
  return &placement.layers(layer);
}

std::vector<int> replica_counts(const LayerPlacement& layer, int num_experts) {
  std::vector<int> count(num_experts > 0 ? num_experts : 0, 0);
  for (int e : layer.phy2log()) {
    if (e >= 0 && e < num_experts) ++count[e];
  }
  return count;
}

std::vector<double> slot_loads(const LayerPlacement& layer, const std::vector<double>& expert_load,
                               int num_experts) {
  const std::vector<int> replicas = replica_counts(layer, num_experts);
  std::vector<double> load(layer.phy2log_size(), 0.0);
  for (int s = 0; s < layer.phy2log_size(); ++s) {
    const int e = layer.phy2log(s);
    if (e >= 0 && e < num_experts && e < static_cast<int>(expert_load.size()) && replicas[e] > 0) {
      load[s] = expert_load[e] / replicas[e];
    }
  }
  return load;
}

std::vector<double> gpu_loads(const std::vector<double>& slot_load, int num_gpus, int slots_per_gpu) {
  std::vector<double> load(num_gpus > 0 ? num_gpus : 0, 0.0);
  for (size_t s = 0; s < slot_load.size(); ++s) {
    const size_t g = slots_per_gpu > 0 ? s / slots_per_gpu : 0;
    if (g < load.size()) load[g] += slot_load[s];
  }
  return load;
}

}  // namespace moesim::viz
