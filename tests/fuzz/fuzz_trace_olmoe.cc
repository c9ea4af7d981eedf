// OLMoE routing-count CSV (model,domain,selection,layer,expert,token_assignments).
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/trace_olmoe.h"
#include "traces/trace_shape.h"

MOESIM_FUZZ_TARGET(trace_olmoe) {
  moesim::TraceImportOptions opts;
  auto t = moesim::parse_olmoe_csv(input, "fuzz.csv", opts);
  if (!t.ok()) return;
  if (auto st = moesim::validate_expert_load_trace(*t, "fuzz.csv"); !st.ok()) {
    moesim::fuzz::fuzz_fail("trace_olmoe", "accepted trace fails validation: " + st.message());
  }
}
