// gzip streams (SmartMoE per-rank .csv.gz): corrupt or truncated streams must be errors,
// never a silently shortened text.
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/trace_gzip.h"

MOESIM_FUZZ_TARGET(gzip) {
  if (!moesim::is_gzip(input)) return;
  auto text = moesim::gunzip(input, "fuzz.csv.gz");
  if (!text.ok() && text.message().empty()) moesim::fuzz::fuzz_fail("gzip", "error without a message");
}
