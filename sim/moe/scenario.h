// Scenarios for `moesim simulate`: the embedded default, loading a file over it, flag
// overrides, and validation that names the offending field.
//
// A scenario file sets only what differs from the default: load_scenario() starts from the
// default and merges the file's set fields (protobuf MergeFrom). Validation then checks every
// cross-field rule (top-k within the experts, experts dividing over EP, the topology's GPU
// count matching EP x DP, ...) and refuses absurd sizes up front with a memory estimate.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "traces/proto/scenario.pb.h"
#include "traces/status.h"

namespace moesim {

// DeepSeek-V3-shaped training on 8 nodes x 8 H100 (EP64) with skewed routing.
const Scenario& default_scenario();
const char* default_scenario_text();

// Default merged with the file (.textproto/.json/.pb). Relative paths inside the scenario
// (topology.dot_file, routing.trace_file, placement.file, calibration_file) are resolved
// against the file's folder.
Result<Scenario> load_scenario(const std::string& path);

// Cross-field validation; `source` names the scenario in messages.
Status validate_scenario(const Scenario& s, const std::string& source);

// Which transformer layers are MoE (true) or dense (false).
std::vector<bool> moe_layer_mask(const ModelSpec& m);

}  // namespace moesim
