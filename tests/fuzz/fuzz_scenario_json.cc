// Scenario files in protobuf JSON (`moesim simulate --scenario x.json`).
#include "tests/fuzz/scenario_fuzz_util.h"

MOESIM_FUZZ_TARGET(scenario_json) {
  moesim::fuzz::fuzz_scenario(input, moesim::ProtoFormat::kJson, "scenario_json");
}
