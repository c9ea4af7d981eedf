// Expert-load traces as NumPy arrays: counts[steps][layers][experts] in one .npy file.
//
// Reading accepts a 3-D array [steps, layers, experts] or a 2-D array [layers, experts] (one
// step), of any dtype traces/npy.h reads (integer or float); step_ids become 0..steps-1.
// Writing stores counts as a 3-D <f8 array; step ids, names and rank_counts are not kept
// (convert to .pb/.json/.textproto to keep everything).
// Thread-safety: stateless.
#pragma once

#include <string>

#include "traces/npy.h"
#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

// Builds a trace from an array already read; `source` names it in errors.
Result<ExpertLoadTrace> trace_from_npy(const NpyArray& a, const std::string& source);

Result<ExpertLoadTrace> import_npy_trace(const std::string& path);

// counts as a [steps, layers, experts] array.
NpyArray trace_to_npy(const ExpertLoadTrace& t);

}  // namespace moesim
