// Shared body of the scenario fuzz targets: parse a scenario (text or JSON), merge it over the
// default as `moesim simulate --scenario` does, validate it, and when it is valid and small
// enough to run in milliseconds, build the simulator and run it. Files a scenario may name
// (DOT, trace, placement, calibration) are cleared: the fuzzer exercises the parsers of those
// formats in their own targets, not the file system.
#pragma once

#include <algorithm>
#include <cmath>
#include <string_view>

#include "sim/moe/scenario.h"
#include "sim/moe/step_simulator.h"
#include "tests/fuzz/fuzz_target.h"
#include "traces/proto_io.h"

namespace moesim::fuzz {

inline void fuzz_scenario(std::string_view input, ProtoFormat format, const char* target) {
  Scenario file;
  if (!parse_proto(std::string(input), format, "fuzz.scenario", &file).ok()) return;
  Scenario s = default_scenario();
  if (file.has_topology()) s.clear_topology();
  if (file.has_routing()) s.clear_routing();
  s.MergeFrom(file);
  s.mutable_topology()->clear_dot_file();
  s.mutable_routing()->clear_trace_file();
  s.mutable_placement()->clear_file();
  s.clear_calibration_file();
  auto st = validate_scenario(s, "fuzz.scenario");
  if (!st.ok()) {
    if (st.message().empty()) fuzz_fail(target, "validation error without a message");
    return;
  }
  // Run only what finishes quickly: the point is what odd values do to the models, not size.
  const auto& p = s.parallel();
  const auto& m = s.model();
  if (static_cast<double>(p.ep()) * p.dp() > 64 || m.num_routed_experts() > 512 || m.num_layers() > 64 ||
      m.hidden_size() > 65536 || p.tokens_per_gpu() > 4096 || s.placement().redundant_experts() > 512) {
    return;
  }
  s.set_steps(std::min(s.steps(), 2u));
  s.set_simulated_layers(std::min<uint32_t>(s.simulated_layers() == 0 ? 2 : s.simulated_layers(), 2));
  if (s.routing().sampled_tokens_per_gpu() > 256 || s.routing().sampled_tokens_per_gpu() == 0) {
    s.mutable_routing()->set_sampled_tokens_per_gpu(256);
  }
  auto sim = StepSimulator::create(s, "fuzz.scenario");
  if (!sim.ok()) return;
  auto r = (*sim)->run();
  if (!r.ok()) return;
  const double t = r->summary().step_time_s();
  if (!std::isfinite(t) || t < 0) fuzz_fail(target, "a valid scenario gave step time " + std::to_string(t));
}

}  // namespace moesim::fuzz
