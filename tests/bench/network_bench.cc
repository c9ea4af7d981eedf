// Benchmarks of the network core (issue 2's speed targets). Release build, one core:
//   BM_DirectFlow/1024      direct all-to-all, 1 MiB per pair, 1,024 GPUs (rail, 128 nodes),
//                           flow level: ~1M flows; target < 2 s and < 1 GB.
//   BM_DirectAnalytic/16384 the same at 16,384 GPUs, analytic mode; target < 15 s.
//   BM_DirectFlow/N for N = 128 .. 1024: time per flow should stay flat (cost linear in flows).
// Counters: flows, events, ns_per_flow, peak_rss_mb (resident set high-water mark so far).
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "sim/collectives/alltoall_study.h"
#include "sim/topology/presets.h"

namespace moesim {
namespace {

std::unique_ptr<Topology> rail(int gpus) {
  TopologySpec spec;
  spec.set_preset("rail");
  (*spec.mutable_params())["nodes"] = std::to_string(gpus / 8);
  auto t = build_topology(spec, "bench");
  if (!t.ok()) std::abort();
  return std::move(*t);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

void run(benchmark::State& state, NetworkMode mode) {
  const int gpus = static_cast<int>(state.range(0));
  auto t = rail(gpus);
  AllToAllOptions opt;
  opt.network = mode;
  AllToAllResult r;
  for (auto _ : state) {
    auto res = simulate_alltoall(*t, TrafficMatrix::Uniform(gpus, 1 << 20), (1 << 20) * double(gpus), opt);
    if (!res.ok()) state.SkipWithError(res.message().c_str());
    r = *res;
  }
  state.counters["flows"] = static_cast<double>(r.num_flows());
  state.counters["events"] = static_cast<double>(r.num_events());
  state.counters["ns_per_flow"] = benchmark::Counter(static_cast<double>(r.num_flows()) * state.iterations(),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["sim_time_us"] = r.completion_time_s() * 1e6;
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

void BM_DirectFlow(benchmark::State& state) { run(state, NetworkMode::kFlow); }
void BM_DirectAnalytic(benchmark::State& state) { run(state, NetworkMode::kAnalytic); }

BENCHMARK(BM_DirectFlow)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_DirectAnalytic)->Arg(1024)->Arg(4096)->Arg(16384)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace moesim

BENCHMARK_MAIN();
