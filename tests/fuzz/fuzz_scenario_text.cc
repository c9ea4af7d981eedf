// Scenario files in protobuf text format (`moesim simulate --scenario x.textproto`).
#include "tests/fuzz/scenario_fuzz_util.h"

MOESIM_FUZZ_TARGET(scenario_text) {
  moesim::fuzz::fuzz_scenario(input, moesim::ProtoFormat::kText, "scenario_text");
}
