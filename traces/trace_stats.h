// Summary statistics of an expert-load trace: what `moesim trace stats` prints.
//
// Imbalance of one layer at one step is max over experts / mean over experts of the token
// assignments (1 = perfectly even; E = everything on one expert of E), the figure the MoE
// load-balancing literature reports; it is 0 for a layer that received no tokens.
// Thread-safety: stateless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "traces/proto/expert_load.pb.h"

namespace moesim {

struct LayerImbalance {
  std::string name;           // layer_names entry or "layer N"
  double first = 0;           // at the first step
  double last = 0;            // at the last step
  double max = 0;             // over steps
  int64_t max_step_id = 0;    // the step id where max occurs (first such)
  uint32_t zero_experts_last = 0;  // experts with no token at the last step
  double tokens_last = 0;
};

struct StepSummary {
  int64_t step_id = 0;
  std::string name;           // step_names entry, if any
  double tokens = 0;          // over layers and experts
  double mean_imbalance = 0;  // mean over layers
  double max_imbalance = 0;   // over layers
  uint32_t max_layer = 0;     // where max_imbalance occurs
  uint32_t zero_experts = 0;  // (layer, expert) cells with no token
};

struct HotExpert {
  uint32_t layer = 0;
  uint32_t expert = 0;
  double tokens = 0;          // summed over steps
  double layer_share = 0;     // fraction of its layer's tokens over all steps
};

struct TraceStats {
  double total_tokens = 0;
  std::vector<LayerImbalance> layers;
  std::vector<StepSummary> steps;
  std::vector<HotExpert> hottest;  // descending by tokens
};

// `num_hottest` bounds the hottest list.
TraceStats compute_trace_stats(const ExpertLoadTrace& t, size_t num_hottest = 10);

// max / mean over experts of counts[step][layer][*].
double layer_imbalance(const ExpertLoadTrace& t, size_t step, size_t layer);

// Human-readable report; long step lists are sampled to about `max_step_rows` rows.
std::string format_trace_stats_text(const ExpertLoadTrace& t, const TraceStats& s, size_t max_step_rows = 12);

// Everything, every step included.
nlohmann::json trace_stats_json(const ExpertLoadTrace& t, const TraceStats& s);

}  // namespace moesim
