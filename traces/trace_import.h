// Loading expert-load traces from the logs people already have, whatever their format.
//
// load_expert_load_trace() looks at the path (folder or file), its extension and its first
// line, picks an importer and returns a validated moesim.ExpertLoadTrace:
//
//   format          what it reads                                            importer
//   npy             .npy  [steps, layers, experts] or [layers, experts]      trace_npy_import.h
//   csv             long CSV with header step,layer,expert,tokens            trace_long_csv.h
//   smartmoe        SmartMoE global_layer_expert_counts.csv (iter,layer,e0..)
//                   or per_rank_layer_expert_counts.csv[.gz] (iter,src_rank,layer,e0..),
//                   or the folder holding them (the per-rank file is preferred)  trace_smartmoe.h
//   olmoe           OLMoE expert_counts.csv (model,domain,selection,layer,expert,
//                   token_assignments) or its folder                         trace_olmoe.h
//   harmoeny        HarMoEny raw_trace/<model>/ folder ({rank}/moe_layer-{i}.csv) trace_harmoeny.h
//   megatron-jsonl  Megatron-LM --moe-routing-trace-path output: router_trace_rank*.jsonl
//                   (a file or the folder)                                   trace_megatron.h
//   moesim          ExpertLoadTrace itself as .pb / .json / .textproto        traces/proto_io.h
//
// Every importer rejects malformed input with "<file>:<line or field>: <problem>".
// Thread-safety: stateless; safe to call concurrently on different paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

struct TraceImportOptions {
  // Force a format by name (see the table above); empty = detect.
  std::string format;
  // OLMoE expert_counts.csv: which model's rows to read (empty = the first model in the
  // file), which text domain (empty = every domain, each one step, in file order), and
  // which selection ("topk": all k choices per token; "top1": the first choice only).
  std::string model_name;
  std::string domain;
  std::string selection = "topk";
  // Megatron JSONL: routed experts per layer. The trace records expert ids only, so 0 means
  // "the largest id seen + 1"; give the model's value when some experts may never be picked.
  uint32_t num_experts = 0;
};

// The formats load_expert_load_trace() knows, in the order `moesim trace --help` lists them.
const std::vector<std::string>& trace_format_names();

// The format `path` holds, decided from the path and the file's first line.
Result<std::string> detect_trace_format(const std::string& path);

// Loads and validates a trace. trace.source() is the path; trace.format() the format name.
Result<ExpertLoadTrace> load_expert_load_trace(const std::string& path,
                                               const TraceImportOptions& opts = {});

}  // namespace moesim
