// Long CSV expert-load traces (step,layer,expert,tokens). An accepted trace must validate and
// survive a round trip through format_long_csv.
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/trace_long_csv.h"
#include "traces/trace_shape.h"

MOESIM_FUZZ_TARGET(trace_long_csv) {
  auto t = moesim::parse_long_csv(input, "fuzz.csv");
  if (!t.ok()) return;
  if (auto st = moesim::validate_expert_load_trace(*t, "fuzz.csv"); !st.ok()) {
    moesim::fuzz::fuzz_fail("trace_long_csv", "accepted trace fails validation: " + st.message());
  }
  // Re-reading what we write must give the same counts (bounded: a few cells per input byte).
  if (static_cast<double>(t->counts_size()) > 1e6) return;
  const std::string text = moesim::format_long_csv(*t);
  auto back = moesim::parse_long_csv(text, "fuzz.csv (written)");
  if (!back.ok()) moesim::fuzz::fuzz_fail("trace_long_csv", "written CSV does not read back: " + back.message());
  if (back->counts_size() != t->counts_size()) moesim::fuzz::fuzz_fail("trace_long_csv", "round trip changed the shape");
  for (int i = 0; i < t->counts_size(); ++i) {
    if (back->counts(i) != t->counts(i)) moesim::fuzz::fuzz_fail("trace_long_csv", "round trip changed a count");
  }
}
