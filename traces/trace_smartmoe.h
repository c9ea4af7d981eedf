// Importer for the SmartMoE artifact's expert-load logs (github.com/thu-pacman/SmartMoE-AE,
// moe_trace/, as converted to CSV in /work/shared/data/smartmoe_moe_trace):
//
//   global_layer_expert_counts.csv         iter,layer,e0,...,e{E-1}
//   per_rank_layer_expert_counts.csv[.gz]  iter,src_rank,layer,e0,...,e{E-1}
//
// Rows may come in any order; every (iter[, src_rank], layer) must appear exactly once.
// Steps are the distinct iterations in increasing order (step_ids = iterations). The per-rank
// file fills rank_counts [step][src_rank][layer][expert] (the tokens each rank sends to each
// expert: with experts on known ranks, the all-to-all send matrix) and counts = their sum.
// Given the folder, the per-rank file is read when present, else the global one.
// Thread-safety: stateless.
#pragma once

#include <string>
#include <string_view>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

// `path` is one of the two files or the folder holding them.
Result<ExpertLoadTrace> import_smartmoe(const std::string& path);

// Parses already-read (decompressed) text; `source` names it in errors.
Result<ExpertLoadTrace> parse_smartmoe_csv(std::string_view text, const std::string& source);

// True when a CSV header line is one of the two SmartMoE layouts.
bool is_smartmoe_header(std::string_view first_line);

}  // namespace moesim
