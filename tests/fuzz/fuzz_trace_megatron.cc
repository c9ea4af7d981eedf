// Megatron-LM router trace JSONL (router_trace_rankN.jsonl).
#include <string>
#include <utility>
#include <vector>

#include "tests/fuzz/fuzz_target.h"
#include "traces/trace_megatron.h"
#include "traces/trace_shape.h"

MOESIM_FUZZ_TARGET(trace_megatron) {
  std::vector<std::pair<std::string, std::string>> files = {{std::string(input), "router_trace_rank3.jsonl"}};
  moesim::TraceImportOptions opts;
  auto t = moesim::parse_megatron_jsonl(files, opts, "fuzz");
  if (!t.ok()) return;
  if (auto st = moesim::validate_expert_load_trace(*t, "fuzz"); !st.ok()) {
    moesim::fuzz::fuzz_fail("trace_megatron", "accepted trace fails validation: " + st.message());
  }
}
