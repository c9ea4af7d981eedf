// Resource limits of moesim, measured: peak resident memory (and time) of the real binary for
// growing sizes of `moesim alltoall` (flow and analytic network models, uniform and uneven
// traffic) and `moesim simulate`. Each case runs build/bin/moesim once in a child process and
// reads its peak RSS from wait4(2); counters:
//   peak_rss_MB      the child's maximum resident set
//   gpus, flows      the size (flows = N(N-1) for a direct all-to-all)
//   bytes_per_flow   (peak - baseline) / flows, baseline = the smallest case of the family
//   bytes_per_gpu2   (peak - baseline) / GPUs^2 for simulate with EP = all GPUs
//   ep_pairs         EP^2 x DP, the pairs inside EP groups (simulate with data parallelism)
// docs/LIMITS.md states the figures. Run: build/bench/limits_bench (about a minute on 2 cores).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace {

namespace fs = std::filesystem;

fs::path moesim_binary() {
  // The bench lives in <build>/bench/, moesim in <build>/bin/.
  return fs::canonical("/proc/self/exe").parent_path().parent_path() / "bin" / "moesim";
}

struct Measured {
  double peak_rss_bytes = 0;
  double seconds = 0;
  int exit_code = -1;
};

Measured run_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  const std::string bin = moesim_binary().string();
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout)) std::_Exit(126);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  Measured m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.peak_rss_bytes = static_cast<double>(ru.ru_maxrss) * 1024.0;  // Linux reports KiB
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return m;
}

// The smallest case of each family, measured once: the process's fixed cost.
double baseline(const std::vector<std::string>& args) {
  return run_child(args).peak_rss_bytes;
}

void report(benchmark::State& state, const Measured& m) {
  if (m.exit_code != 0) state.SkipWithError("moesim failed");
  state.SetIterationTime(m.seconds);
  state.counters["peak_rss_MB"] = m.peak_rss_bytes / 1e6;
}

// Direct uniform all-to-all on a rail fabric of N/8 nodes (flow model: flows of one path class
// and size merge, so this is the cheap case).
void BM_AllToAllFlowUniform(benchmark::State& state) {
  const int gpus = static_cast<int>(state.range(0));
  static const double base = baseline({"alltoall", "--topology", "rail:nodes=2", "--bytes-per-peer", "1MiB"});
  Measured m;
  for (auto _ : state) {
    m = run_child({"alltoall", "--topology", "rail:nodes=" + std::to_string(gpus / 8), "--bytes-per-peer", "1MiB"});
    report(state, m);
  }
  const double flows = static_cast<double>(gpus) * (gpus - 1);
  state.counters["gpus"] = gpus;
  state.counters["flows"] = flows;
  state.counters["bytes_per_flow"] = (m.peak_rss_bytes - base) / flows;
}
BENCHMARK(BM_AllToAllFlowUniform)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

// Uneven all-to-allv (a random N x N matrix): every flow has its own size and finish time.
void BM_AllToAllFlowUneven(benchmark::State& state) {
  const int gpus = static_cast<int>(state.range(0));
  const fs::path matrix = fs::temp_directory_path() / ("moesim_limits_" + std::to_string(::getpid()) + "_" + std::to_string(gpus) + ".csv");
  {
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<long> bytes(1, 1 << 20);
    std::ofstream out(matrix);
    for (int s = 0; s < gpus; ++s) {
      for (int d = 0; d < gpus; ++d) out << (d ? "," : "") << (s == d ? 0 : bytes(rng));
      out << "\n";
    }
  }
  static const double base = baseline({"alltoall", "--topology", "rail:nodes=2", "--bytes-per-peer", "1MiB"});
  Measured m;
  for (auto _ : state) {
    m = run_child({"alltoall", "--topology", "rail:nodes=" + std::to_string(gpus / 8), "--matrix", matrix.string()});
    report(state, m);
  }
  fs::remove(matrix);
  const double flows = static_cast<double>(gpus) * (gpus - 1);
  state.counters["gpus"] = gpus;
  state.counters["flows"] = flows;
  state.counters["bytes_per_flow"] = (m.peak_rss_bytes - base) / flows;
}
BENCHMARK(BM_AllToAllFlowUneven)->Arg(64)->Arg(128)->Arg(256)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_AllToAllAnalytic(benchmark::State& state) {
  const int gpus = static_cast<int>(state.range(0));
  static const double base =
      baseline({"alltoall", "--topology", "rail:nodes=2", "--bytes-per-peer", "1MiB", "--network", "analytic"});
  Measured m;
  for (auto _ : state) {
    m = run_child({"alltoall", "--topology", "rail:nodes=" + std::to_string(gpus / 8), "--bytes-per-peer", "1MiB",
                   "--network", "analytic"});
    report(state, m);
  }
  state.counters["gpus"] = gpus;
  state.counters["bytes_per_gpu"] = (m.peak_rss_bytes - base) / gpus;
}
BENCHMARK(BM_AllToAllAnalytic)->Arg(1024)->Arg(4096)->Arg(16384)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

// One step of the embedded DeepSeek-V3 scenario (256 experts, top-8) on N GPUs (EP = N, one
// simulated MoE layer), with N - 256 redundant experts so the slots divide.
std::vector<std::string> simulate_args(int gpus, const char* network) {
  return {"simulate", "--ep", std::to_string(gpus), "--redundant-experts", std::to_string(gpus - 256 > 0 ? gpus - 256 : 0),
          "--topology", "rail:nodes=" + std::to_string(gpus / 8), "--network", network, "--simulated-layers", "1",
          "--steps", "1", "--quiet", "--json"};
}

void BM_Simulate(benchmark::State& state, const char* network) {
  const int gpus = static_cast<int>(state.range(0));
  const double base = baseline(simulate_args(64, network));
  Measured m;
  for (auto _ : state) {
    m = run_child(simulate_args(gpus, network));
    report(state, m);
  }
  state.counters["gpus"] = gpus;
  state.counters["bytes_per_gpu2"] = (m.peak_rss_bytes - base) / (static_cast<double>(gpus) * gpus);
}
BENCHMARK_CAPTURE(BM_Simulate, analytic, "analytic")->Arg(256)->Arg(512)->Arg(1024)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Simulate, flow, "flow")->Arg(128)->Arg(256)->Arg(512)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

// Data parallelism: DP replicas of one EP64 group on one fabric. Memory grows with the pairs
// inside each EP group (64^2 x DP) plus a smaller term in all GPU pairs (routing tables).
void BM_SimulateDataParallel(benchmark::State& state, const char* network) {
  const int dp = static_cast<int>(state.range(0));
  const int gpus = 64 * dp;
  Measured m;
  for (auto _ : state) {
    m = run_child({"simulate", "--ep", "64", "--dp", std::to_string(dp), "--topology", "rail:nodes=" + std::to_string(gpus / 8),
                   "--network", network, "--simulated-layers", "1", "--steps", "1", "--quiet", "--json"});
    report(state, m);
  }
  state.counters["gpus"] = gpus;
  state.counters["ep_pairs"] = 64.0 * 64 * dp;
}
BENCHMARK_CAPTURE(BM_SimulateDataParallel, analytic, "analytic")->Arg(4)->Arg(16)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimulateDataParallel, flow, "flow")->Arg(4)->Arg(16)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
