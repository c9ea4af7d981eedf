// moesim's own ExpertLoadTrace in protobuf JSON (`moesim trace convert x.json ...`), as
// load_expert_load_trace reads it: parse, then the shape validation.
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/proto_io.h"
#include "traces/trace_shape.h"

MOESIM_FUZZ_TARGET(trace_proto) {
  moesim::ExpertLoadTrace t;
  if (!moesim::parse_proto(std::string(input), moesim::ProtoFormat::kJson, "fuzz.json", &t).ok()) return;
  (void)moesim::validate_expert_load_trace(t, "fuzz.json");
}
