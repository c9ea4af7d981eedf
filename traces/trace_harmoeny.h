// Importer for the HarMoEny artifact's per-rank inference traces (github.com/sacs-epfl/HarMoEny,
// ExFlow/raw_trace/, copied to /work/shared/data/harmoeny_raw_trace/ExFlow/raw_trace):
//
//   <model>/data.json                 run settings (model_name, num_experts, world_size, ...)
//   <model>/{rank}/moe_layer-{i}.csv  one row per iteration:
//       iteration,...,total number of tokens sent,...,expert distribution
//       0,5100,3721,1570.85,3.55,"[465, 857, 809, 487, 388, 834, 896, 364]"
//
// The expert distribution is the number of token assignments rank `rank` routes to each
// expert at that layer and iteration. The trace takes steps = iterations (step_ids), ranks =
// the numeric sub-folders 0..R-1, layers = moe_layer-0..L-1, and fills rank_counts with the
// distributions and counts with their sum over ranks. Checks: every rank has every layer,
// every file has the same iterations, every distribution has the same number of experts
// (and data.json's num_experts when given), and where the file has "total number of tokens
// sent" the distribution sums to it. top_k comes from data.json's model_name for the models
// the artifact used (google/switch-base-*: 1, Qwen1.5-MoE: 4), else 0.
// Thread-safety: stateless.
#pragma once

#include <string>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

// `model_dir` is raw_trace/<model> (the folder holding 0/, 1/, ...).
Result<ExpertLoadTrace> import_harmoeny(const std::string& model_dir);

// True when `dir` looks like a HarMoEny model folder (has 0/moe_layer-0.csv).
bool is_harmoeny_dir(const std::string& dir);

}  // namespace moesim
