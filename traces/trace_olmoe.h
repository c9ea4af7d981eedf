// Importer for the OLMoE paper's routing analysis counts (github.com/allenai/OLMoE,
// scripts/routing_output/, converted to CSV in /work/shared/data/olmoe_routing/csv):
//
//   model,domain,selection,layer,expert,token_assignments
//   olmoe,github,topk,7,12,26110
//
// One file holds several models (olmoe, olmoe-sft, olmoe-dpo, mistral), text domains (arxiv,
// book, c4, github, wikipedia, tulu) and selections (topk: every one of a token's k choices;
// top1: only its first choice). A trace is one model and one selection:
//   - model: TraceImportOptions::model_name, default the first model in the file;
//   - selection: default "topk";
//   - domain: one named domain gives a one-step trace; none gives one step per domain in the
//     order the file lists them, named in step_names (step_ids 0, 1, ...).
// Layers are the distinct layer ids present (the published files have 0, 7 and 15), kept in
// layer_names as "layer N"; experts are 0..max id; a missing (layer, expert) row is 0.
// top_k is 1 for top1 and, for topk, the published k of the known models (OLMoE 8,
// Mixtral 2), else 0.
// Thread-safety: stateless.
#pragma once

#include <string>
#include <string_view>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"
#include "traces/trace_import.h"

namespace moesim {

// `path` is expert_counts.csv or a folder holding it (directly or in csv/).
Result<ExpertLoadTrace> import_olmoe(const std::string& path, const TraceImportOptions& opts);

Result<ExpertLoadTrace> parse_olmoe_csv(std::string_view text, const std::string& source,
                                        const TraceImportOptions& opts);

bool is_olmoe_header(std::string_view first_line);

}  // namespace moesim
