// Expert load as the views read it: tokens per (snapshot, layer, expert) in one flat float
// array, with the per-cell statistics the views plot (max/mean imbalance, maxima for colour
// scales) computed once when a file is opened, never per frame.
// Built from an ExpertLoadTrace (any importer) or from a SimResult's per-layer expert_load.
// Immutable after construction; thread-safe for reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traces/proto/expert_load.pb.h"
#include "traces/proto/result.pb.h"
#include "traces/status.h"

namespace moesim::viz {

class ExpertLoadTable {
 public:
  ExpertLoadTable() = default;
  // Checks the trace's shape (counts = steps x layers x experts, step_ids = steps or empty,
  // finite non-negative counts); errors name `source` and the field.
  static Result<ExpertLoadTable> from_trace(const ExpertLoadTrace& trace, const std::string& source);
  // Steps are the distinct LayerResult.step values in order; (step, layer) pairs the result
  // does not hold read as zero load. Empty when the result has no expert_load.
  static ExpertLoadTable from_result(const SimResult& result);

  bool empty() const { return counts_.empty(); }
  int num_steps() const { return num_steps_; }
  int num_layers() const { return num_layers_; }
  int num_experts() const { return num_experts_; }
  // Training iteration (or simulated step) of snapshot s.
  int64_t step_id(int s) const { return step_ids_[s]; }

  float count(int step, int layer, int expert) const {
    return counts_[(static_cast<size_t>(step) * num_layers_ + layer) * num_experts_ + expert];
  }
  // The experts of one (step, layer), contiguous.
  const float* row(int step, int layer) const {
    return &counts_[(static_cast<size_t>(step) * num_layers_ + layer) * num_experts_];
  }
  // max over experts / mean over experts of one (step, layer); 0 when it received nothing.
  float imbalance(int step, int layer) const { return imbalance_[static_cast<size_t>(step) * num_layers_ + layer]; }
  // Mean of imbalance() over layers at a step.
  float mean_imbalance(int step) const { return mean_imbalance_[step]; }
  float max_imbalance() const { return max_imbalance_; }
  // Largest count of a layer over all steps (colour scale of the steps x experts heat map).
  float layer_max(int layer) const { return layer_max_[layer]; }
  // Largest count over layers and experts at a step (colour scale of layers x experts).
  float step_max(int step) const { return step_max_[step]; }
  // Snapshot whose step id is closest to `id`.
  int nearest_step(int64_t id) const;

 private:
  void compute_stats();

  int num_steps_ = 0, num_layers_ = 0, num_experts_ = 0;
  std::vector<int64_t> step_ids_;
  std::vector<float> counts_;
  std::vector<float> imbalance_;
  std::vector<float> mean_imbalance_;
  std::vector<float> layer_max_;
  std::vector<float> step_max_;
  float max_imbalance_ = 0;
};

}  // namespace moesim::viz
