// Importer for Megatron-LM's MoE router trace (megatron/core/transformer/moe/router_trace.py,
// enabled with --moe-routing-trace-path DIR in training or inference): one JSONL file per rank,
// DIR/router_trace_rank{rank}.jsonl, one JSON object per (step, block, layer) forward call:
//
//   {"step": 0, "stage": "pre_dispatch", "block": "decoder", "layer": 3, "rank": 0,
//    "num_tokens": 4, "topk": 2, "top_indices": [[12, 45], [3, 12], [45, 7], [0, 12]]}
//
// Fields read: step, layer, top_indices (per token, its top-k expert ids) - required;
// block ("decoder" default, or "mtp" with mtp_idx), rank (default: the N in the file name
// router_trace_rankN.jsonl, else 0), num_tokens and topk (checked against top_indices when
// present). Other fields (stage, hs_offset, logit_offset, ...) are ignored. Two additions:
// "topk_ids" is accepted as another name for top_indices, and a record may carry
// "tokens_per_expert": [n0, n1, ...] (already-counted assignments) instead of per-token ids.
//
// Counting: each (token, choice) adds one assignment to its expert. Records that repeat a
// (step, rank, block, layer) - micro-batches of one iteration, or activation recomputation if
// the hooks fired again - are summed. Steps are the distinct step values (step_ids); layers are
// the distinct (block, mtp_idx, layer) seen, decoder layers first in layer order, named in
// layer_names ("layer 3", "mtp 0 layer 1"); the layer number is Megatron's as written: the
// index in the module name decoder.layers.N, which is local to a pipeline stage, so with
// pipeline parallelism give the files of one stage at a time (layers of different stages share
// numbers and would be summed). Ranks: with more than one distinct rank, rank_counts holds each
// rank's counts (ranks in increasing id order) and counts their sum; that sum is the global
// load only when the ranks routed different tokens (data/expert/sequence parallel), not when
// tensor-parallel peers routed the same ones - pass the files that should be summed.
// num_experts: TraceImportOptions::num_experts, or the largest id seen + 1 (the trace does not
// record it; an expert never chosen beyond the largest id would be missed).
// Thread-safety: stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"
#include "traces/trace_import.h"

namespace moesim {

// `path` is one .jsonl file or the folder holding router_trace_rank*.jsonl.
Result<ExpertLoadTrace> import_megatron_jsonl(const std::string& path, const TraceImportOptions& opts);

// Parses several already-read files at once (text, name) as one trace.
Result<ExpertLoadTrace> parse_megatron_jsonl(const std::vector<std::pair<std::string, std::string>>& files,
                                             const TraceImportOptions& opts, const std::string& source);

// True when `dir` holds at least one router_trace_rank*.jsonl.
bool is_megatron_dir(const std::string& dir);

}  // namespace moesim
