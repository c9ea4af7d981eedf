// Benchmarks of `moesim simulate` (issue 3's speed targets). Release build, one core:
//   BM_DefaultStep          the embedded default: one DeepSeek-V3 training step on 64 GPUs,
//                           flow level; target < 2 s.
//   BM_DeepSeekV3_1024Gpus  the same step on 1,024 GPUs (EP64 x DP16, rail:nodes=128), flow
//                           level; target < 30 s.
//   BM_SmartMoeReplay500    500 replayed steps of the real SmartMoE trace on 16 GPUs
//                           (examples/scenarios/smartmoe_replay.textproto); target < 10 s.
//                           Skipped when ../shared/data is absent.
#include <filesystem>

#include <benchmark/benchmark.h>

#include "sim/moe/scenario.h"
#include "sim/moe/step_simulator.h"

namespace moesim {
namespace {

void run(benchmark::State& state, const Scenario& s) {
  double step_time = 0;
  for (auto _ : state) {
    auto sim = StepSimulator::create(s, "bench");
    if (!sim.ok()) {
      state.SkipWithError(sim.message().c_str());
      return;
    }
    auto r = (*sim)->run();
    if (!r.ok()) {
      state.SkipWithError(r.message().c_str());
      return;
    }
    step_time = r->summary().step_time_s();
  }
  state.counters["sim_step_time_s"] = step_time;
}

void BM_DefaultStep(benchmark::State& state) { run(state, default_scenario()); }

void BM_DeepSeekV3_1024Gpus(benchmark::State& state) {
  Scenario s = default_scenario();
  s.mutable_parallel()->set_dp(16);
  (*s.mutable_topology()->mutable_params())["nodes"] = "128";
  run(state, s);
}

void BM_SmartMoeReplay500(benchmark::State& state) {
  const std::string path = std::string(MOESIM_SOURCE_DIR) + "/examples/scenarios/smartmoe_replay.textproto";
  if (!std::filesystem::exists(std::string(MOESIM_SOURCE_DIR) + "/../shared/data/smartmoe_moe_trace")) {
    state.SkipWithError("../shared/data/smartmoe_moe_trace not present");
    return;
  }
  auto s = load_scenario(path);
  if (!s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  s->set_steps(500);
  run(state, *s);
}

BENCHMARK(BM_DefaultStep)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_SmartMoeReplay500)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_DeepSeekV3_1024Gpus)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace moesim

BENCHMARK_MAIN();
