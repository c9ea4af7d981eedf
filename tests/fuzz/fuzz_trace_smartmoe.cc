// SmartMoE expert-load CSV (global and per-rank layouts). An accepted trace must pass the
// shape validation every consumer relies on.
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/trace_shape.h"
#include "traces/trace_smartmoe.h"

MOESIM_FUZZ_TARGET(trace_smartmoe) {
  auto t = moesim::parse_smartmoe_csv(input, "fuzz.csv");
  if (!t.ok()) return;
  if (auto st = moesim::validate_expert_load_trace(*t, "fuzz.csv"); !st.ok()) {
    moesim::fuzz::fuzz_fail("trace_smartmoe", "accepted trace fails validation: " + st.message());
  }
}
