// Writing an expert-load trace, format chosen by the output extension:
//   .pb / .bin / .json / .textproto / .txtpb / .pbtxt   moesim.ExpertLoadTrace (everything kept)
//   .npy                                                counts [steps, layers, experts], <f8
//   .csv                                                long CSV step,layer,expert,tokens
// .npy and .csv keep counts only (and .csv the step ids): rank_counts and names are dropped.
// Every file is written atomically (temporary + rename): complete or absent.
// Thread-safety: stateless.
#pragma once

#include <string>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

Status save_expert_load_trace(const std::string& path, const ExpertLoadTrace& t);

// What save_expert_load_trace() drops for this path ("per-rank counts, step ids"), "" if nothing.
std::string export_dropped_fields(const std::string& path, const ExpertLoadTrace& t);

}  // namespace moesim
