// Placement planner: speed (Google Benchmark) and quality (`placement_bench --quality`).
//
// Speed: 58 MoE layers x 256 experts onto 64 GPUs (320 slots, 8 nodes, 8 groups), DeepSeek-V3
// shapes, default policy vs eplb, one thread.
// Quality: max/mean GPU load of the default policy vs eplb vs the lower bound
//   LB = max(total / GPUs, smallest achievable largest load per replica)
// on DeepSeek-V3 shapes under seeded Zipf loads (expert of popularity rank r gets weight
// 1 / r^s, ranks a random permutation of the experts, token assignments sampled from that
// popularity), and on the real SmartMoE loads (last iteration, 24 layers x 32 experts).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <string>

#include "sim/placement/planner.h"
#include "traces/loads_matrix.h"

namespace moesim::placement {
namespace {

// One layer of token assignments: multinomial(num_tokens, popularity) by sequential binomials.
std::vector<double> zipf_layer(int num_experts, double exponent, long long num_tokens, std::mt19937_64& rng,
                               double hot_fraction = 0.0) {
  std::vector<int> perm(static_cast<size_t>(num_experts));
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<double> p(static_cast<size_t>(num_experts));
  double sum = 0;
  for (int r = 0; r < num_experts; ++r) sum += p[static_cast<size_t>(perm[static_cast<size_t>(r)])] = std::pow(r + 1.0, -exponent);
  for (double& v : p) v = v / sum * (1 - hot_fraction);
  p[static_cast<size_t>(perm[0])] += hot_fraction;  // an extra-hot single expert
  std::vector<double> counts(static_cast<size_t>(num_experts), 0.0);
  long long left = num_tokens;
  double p_left = 1.0;
  for (int e = 0; e < num_experts && left > 0; ++e) {
    const double q = e + 1 == num_experts ? 1.0 : std::min(1.0, p[static_cast<size_t>(e)] / p_left);
    std::binomial_distribution<long long> draw(left, q);
    const long long c = draw(rng);
    counts[static_cast<size_t>(e)] = static_cast<double>(c);
    left -= c;
    p_left -= p[static_cast<size_t>(e)];
  }
  return counts;
}

PlanRequest v3_request(int layers, int nodes, int gpus, int physical, double exponent, uint64_t seed,
                       double hot_fraction = 0.0) {
  PlanRequest r;
  std::mt19937_64 rng(seed);
  for (int l = 0; l < layers; ++l) r.loads.push_back(zipf_layer(256, exponent, 16384LL * 8, rng, hot_fraction));
  r.num_physical_experts = physical;
  r.num_nodes = nodes;
  r.num_gpus = gpus;
  r.num_groups = 8;
  return r;
}

// state.range(0) = 10 x the Zipf exponent of the loads.
void BM_Plan58Layers(benchmark::State& state, const char* policy) {
  const double exponent = static_cast<double>(state.range(0)) / 10;
  PlanRequest r = v3_request(58, 8, 64, 320, exponent, 58);
  r.policy = policy;
  for (auto _ : state) {
    auto p = plan_placement(r);
    if (!p.ok()) state.SkipWithError(p.message().c_str());
    benchmark::DoNotOptimize(p);
  }
  char label[128];
  std::snprintf(label, sizeof label, "%s: 58 layers x 256 experts, zipf s=%.1f, 64 GPUs, 320 slots, 8 nodes, 8 groups",
                policy, exponent);
  state.SetLabel(label);
}
BENCHMARK_CAPTURE(BM_Plan58Layers, balanced, "balanced")->Arg(6)->Arg(10)->Arg(15)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Plan58Layers, eplb, "eplb")->Arg(6)->Arg(10)->Arg(15)->Unit(benchmark::kMillisecond);

// Quality of one policy on a request: max/mean GPU load, averaged over layers and at the worst
// layer.
struct Score {
  double mean_imbalance = 0;
  double worst_imbalance = 0;
};

Score score(const PlanRequest& r, const Placement& p) {
  Score s;
  for (size_t l = 0; l < r.loads.size(); ++l) {
    const double imb = imbalance(gpu_load(r.loads[l], layer_phy2log(p, l), r.num_gpus));
    s.mean_imbalance += imb;
    s.worst_imbalance = std::max(s.worst_imbalance, imb);
  }
  s.mean_imbalance /= static_cast<double>(r.loads.size());
  return s;
}

Score bound_score(const PlanRequest& r) {
  Score s;
  for (const auto& w : r.loads) {
    const double mean = std::accumulate(w.begin(), w.end(), 0.0) / r.num_gpus;
    const double b = load_lower_bound(w, r.num_physical_experts, r.num_gpus, r.one_copy_per_gpu) / mean;
    s.mean_imbalance += b;
    s.worst_imbalance = std::max(s.worst_imbalance, b);
  }
  s.mean_imbalance /= static_cast<double>(r.loads.size());
  return s;
}

int print_row(const std::string& label, PlanRequest r) {
  r.policy = "eplb";
  auto eplb = plan_placement(r);
  r.policy = kDefaultPolicy;
  auto ours = plan_placement(r);
  if (!eplb.ok() || !ours.ok()) {
    std::fprintf(stderr, "%s: %s\n", label.c_str(), (eplb.ok() ? ours : eplb).message().c_str());
    return 1;
  }
  const Score e = score(r, *eplb), b = score(r, *ours), lb = bound_score(r);
  std::printf("%-44s %8.4f %8.4f %8.4f | %8.4f %8.4f %8.4f\n", label.c_str(), e.mean_imbalance, b.mean_imbalance,
              lb.mean_imbalance, e.worst_imbalance, b.worst_imbalance, lb.worst_imbalance);
  return 0;
}

void print_header(const char* title) {
  std::printf("\n%s\n%-44s %8s %8s %8s | %8s %8s %8s\n", title, "case", "eplb", "balanced", "bound", "eplb",
              "balanced", "bound");
  std::printf("%-44s %26s | %26s\n", "", "max/mean, mean over layers", "max/mean, worst layer");
}

int run_quality(const std::string& data_dir) {
  int failures = 0;
  print_header("DeepSeek-V3 shapes: 256 experts, 8 groups, 16 seeded Zipf layers of 131072 token assignments");
  struct Shape {
    int nodes, gpus, physical;
  };
  for (const Shape& s : {Shape{4, 32, 288}, Shape{4, 32, 320}, Shape{8, 64, 320}}) {
    for (double exponent : {0.6, 0.8, 1.0, 1.2, 1.5}) {
      char label[96];
      std::snprintf(label, sizeof label, "N=%d G=%d R=%d zipf s=%.1f%s", s.nodes, s.gpus, s.physical, exponent,
                    s.nodes == 8 ? " (1 group/node)" : "");
      failures += print_row(label, v3_request(16, s.nodes, s.gpus, s.physical, exponent, 1000 + s.gpus + s.physical));
    }
  }
  for (double hot : {0.05, 0.10, 0.20}) {
    char label[96];
    std::snprintf(label, sizeof label, "N=4 G=32 R=288 s=0.8 + one expert %.0f%%", 100 * hot);
    failures += print_row(label, v3_request(16, 4, 32, 288, 0.8, 77, hot));
  }

  const std::string path = data_dir + "/smartmoe_moe_trace/global_layer_expert_counts.csv";
  auto rows = read_count_matrix(path, "line", "column");
  if (!rows.ok()) {
    std::printf("\nSmartMoE trace not read (%s)\n", rows.message().c_str());
    return failures;
  }
  double last_iter = 0;
  for (const auto& row : *rows) last_iter = std::max(last_iter, row[0]);
  std::map<int, std::vector<double>> by_layer;
  for (const auto& row : *rows) {
    if (row[0] == last_iter) by_layer[static_cast<int>(row[1])] = std::vector<double>(row.begin() + 2, row.end());
  }
  PlanRequest r;
  for (auto& [layer, w] : by_layer) r.loads.push_back(w);
  char title[160];
  std::snprintf(title, sizeof title, "SmartMoE GPT-MoE, iteration %.0f: %zu layers x %zu experts (real loads)", last_iter,
                r.loads.size(), r.loads.empty() ? size_t{0} : r.loads[0].size());
  print_header(title);
  struct Real {
    int nodes, gpus, physical, groups;
  };
  for (const Real& c : {Real{2, 16, 48, 1}, Real{2, 16, 48, 4}, Real{2, 16, 64, 4}, Real{1, 8, 48, 1}}) {
    r.num_nodes = c.nodes;
    r.num_gpus = c.gpus;
    r.num_physical_experts = c.physical;
    r.num_groups = c.groups;
    char label[96];
    std::snprintf(label, sizeof label, "N=%d G=%d R=%d groups=%d%s", c.nodes, c.gpus, c.physical, c.groups,
                  c.groups % c.nodes == 0 ? "" : " (eplb global)");
    failures += print_row(label, r);
  }
  return failures;
}

}  // namespace
}  // namespace moesim::placement

int main(int argc, char** argv) {
  std::string data_dir =
#ifdef MOESIM_SHARED_DATA_DIR
      MOESIM_SHARED_DATA_DIR;
#else
      "../shared/data";
#endif
  bool quality = false;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quality") == 0) {
      quality = true;
    } else if (std::strncmp(argv[i], "--data=", 7) == 0) {
      data_dir = argv[i] + 7;
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (quality) return moesim::placement::run_quality(data_dir) == 0 ? 0 : 1;
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
