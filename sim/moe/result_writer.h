// Writes what `moesim simulate --out DIR` produces, each file whole or not at all:
//   result.pb     SimResult (everything, binary protobuf, deterministic serialisation)
//   summary.json  Summary (headline figures, mean per step; protobuf JSON, .proto field names)
//   steps.csv     one row per step
//   trace.json    Chrome trace events: per GPU a "compute" and a "comm" track (Perfetto)
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "traces/proto/result.pb.h"
#include "traces/status.h"

namespace moesim {

std::string steps_csv(const SimResult& r);
std::string chrome_trace_json(const SimResult& r);
Status write_simulation_outputs(const std::string& dir, const SimResult& r);

}  // namespace moesim
