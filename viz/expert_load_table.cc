#include "viz/expert_load_table.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace moesim::viz {

Result<ExpertLoadTable> ExpertLoadTable::from_trace(const ExpertLoadTrace& trace, const std::string& source) {
  const uint64_t steps = trace.num_steps(), layers = trace.num_layers(), experts = trace.num_experts();
  if (steps == 0 || layers == 0 || experts == 0) {
    return make_error(source, "num_steps/num_layers/num_experts",
                      "expert-load trace is empty (" + std::to_string(steps) + " x " +
                          std::to_string(layers) + " x " + std::to_string(experts) + ")");
  }
  if (static_cast<uint64_t>(trace.counts_size()) != steps * layers * experts) {
    return make_error(source, "counts",
                      "has " + std::to_string(trace.counts_size()) + " values, expected num_steps x "
                      "num_layers x num_experts = " + std::to_string(steps * layers * experts));
  }
  if (trace.step_ids_size() != 0 && static_cast<uint64_t>(trace.step_ids_size()) != steps) {
    return make_error(source, "step_ids",
                      "has " + std::to_string(trace.step_ids_size()) + " values, expected num_steps = " +
                          std::to_string(steps));
  }
  ExpertLoadTable t;
  t.num_steps_ = static_cast<int>(steps);
  t.num_layers_ = static_cast<int>(layers);
  t.num_experts_ = static_cast<int>(experts);
  t.counts_.resize(trace.counts_size());
  for (int i = 0; i < trace.counts_size(); ++i) {
    const double v = trace.counts(i);
    if (!std::isfinite(v) || v < 0) {
      return make_error(source, "counts[" + std::to_string(i) + "]",
                        "token count " + std::to_string(v) + " is negative or not finite");
    }
    t.counts_[i] = static_cast<float>(v);
  }
  t.step_ids_.resize(steps);
  for (uint64_t s = 0; s < steps; ++s) {
    t.step_ids_[s] = trace.step_ids_size() ? trace.step_ids(static_cast<int>(s)) : static_cast<int64_t>(s);
  }
  t.compute_stats();
  return t;
}

ExpertLoadTable ExpertLoadTable::from_result(const SimResult& result) {
  ExpertLoadTable t;
  std::map<uint32_t, int> step_pos;
  uint32_t max_layer = 0;
  int experts = 0;
  for (const auto& l : result.layers()) {
    if (l.expert_load_size() == 0) continue;
    step_pos[l.step()] = 0;
    max_layer = std::max(max_layer, l.layer());
    experts = std::max(experts, l.expert_load_size());
  }
  if (step_pos.empty()) return t;
  int pos = 0;
  for (auto& [step, p] : step_pos) {
    p = pos++;
    t.step_ids_.push_back(step);
  }
  t.num_steps_ = pos;
  t.num_layers_ = static_cast<int>(max_layer) + 1;
  t.num_experts_ = experts;
  t.counts_.assign(static_cast<size_t>(t.num_steps_) * t.num_layers_ * t.num_experts_, 0.0f);
  for (const auto& l : result.layers()) {
    if (l.expert_load_size() == 0) continue;
    float* dst = &t.counts_[(static_cast<size_t>(step_pos[l.step()]) * t.num_layers_ + l.layer()) * experts];
    for (int e = 0; e < l.expert_load_size(); ++e) dst[e] = static_cast<float>(std::max(0.0, l.expert_load(e)));
  }
  t.compute_stats();
  return t;
}

void ExpertLoadTable::compute_stats() {
  imbalance_.assign(static_cast<size_t>(num_steps_) * num_layers_, 0.0f);
  mean_imbalance_.assign(num_steps_, 0.0f);
  layer_max_.assign(num_layers_, 0.0f);
  step_max_.assign(num_steps_, 0.0f);
  max_imbalance_ = 0;
  for (int s = 0; s < num_steps_; ++s) {
    double sum_imb = 0;
    for (int l = 0; l < num_layers_; ++l) {
      const float* r = row(s, l);
      double total = 0;
      float mx = 0;
      for (int e = 0; e < num_experts_; ++e) {
        total += r[e];
        mx = std::max(mx, r[e]);
      }
      // Imbalance = max / mean = max * E / total.
      const float imb = total > 0 ? static_cast<float>(mx * num_experts_ / total) : 0.0f;
      imbalance_[static_cast<size_t>(s) * num_layers_ + l] = imb;
      sum_imb += imb;
      max_imbalance_ = std::max(max_imbalance_, imb);
      layer_max_[l] = std::max(layer_max_[l], mx);
      step_max_[s] = std::max(step_max_[s], mx);
    }
    mean_imbalance_[s] = static_cast<float>(sum_imb / num_layers_);
  }
}

int ExpertLoadTable::nearest_step(int64_t id) const {
  if (step_ids_.empty()) return 0;
  auto it = std::lower_bound(step_ids_.begin(), step_ids_.end(), id);
  if (it == step_ids_.end()) return num_steps_ - 1;
  const int i = static_cast<int>(it - step_ids_.begin());
  if (i > 0 && id - step_ids_[i - 1] < *it - id) return i - 1;
  return i;
}

}  // namespace moesim::viz
