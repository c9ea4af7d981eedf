// `moesim plan`: plans expert placement (replicas and GPU slots) from an expert-load matrix.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/placement/planner.h"
#include "traces/loads_matrix.h"
#include "traces/proto_io.h"

namespace moesim::cli {
namespace {

constexpr const char* kUsage =
    "usage: moesim plan --loads FILE --replicas R --gpus P [--nodes N] [--groups G] [--policy NAME]\n"
    "                   [--one-copy-per-gpu] [--coactivation FILE] [--expert-bytes B --gpu-memory-bytes M]\n"
    "                   [--out placement.{pb,json,textproto}] [--json]\n"
    "\n"
    "Places each MoE layer's logical experts, with replicas, into R physical expert slots on P GPUs\n"
    "(R / P slots per GPU, GPU-major), balancing the tokens each GPU processes. An expert's tokens\n"
    "are split evenly over its replicas.\n"
    "\n"
    "  --loads FILE         [layers][experts] token counts: .json (array of arrays), .csv (one row\n"
    "                       per layer, optional header line) or .npy (2-D, int or float, C order)\n"
    "  --replicas R         physical experts in the cluster (EPLB's num_replicas), >= experts,\n"
    "                       a multiple of --gpus\n"
    "  --gpus P             GPUs, a multiple of --nodes\n"
    "  --nodes N            nodes (default 1)\n"
    "  --groups G           expert groups, must divide the experts (default 1); eplb packs groups\n"
    "                       onto nodes when G is a multiple of N, else balances globally\n"
    "  --policy NAME        placement policy (default balanced), see below\n"
    "  --one-copy-per-gpu   at most one replica of an expert per GPU\n"
    "  --coactivation FILE  experts x experts co-activation counts (.csv/.json/.npy), for affinity;\n"
    "                       also adds cross_node_coactivation to the report\n"
    "  --expert-bytes B     weight bytes of one expert; with --gpu-memory-bytes M, fails when\n"
    "                       R / P slots x B exceed M\n"
    "  --out FILE           write the Placement (.pb, .json or .textproto)\n"
    "  --json               print phy2log, logcnt, gpu_load, imbalance as JSON instead of a table\n"
    "\n"
    "contiguous and round-robin fill slots beyond the experts with replicas of the hottest experts\n"
    "(the next replica to the expert with the largest load per replica).\n"
    "Lower bound: max(total / P, smallest achievable largest load per replica).\n";

// A positive integer flag; `fallback` when absent, else the flag is required.
Result<int> int_flag(const FlagSet& f, const std::string& name, std::optional<int> fallback) {
  if (!f.has(name) && !fallback) return make_error("", name, "is required (moesim plan --help)");
  auto v = f.integer(name, fallback.value_or(0), 1, 1LL << 30);
  if (!v.ok()) return v.error();
  return static_cast<int>(*v);
}

// A positive number of bytes; 0 when absent.
Result<double> bytes_flag(const FlagSet& f, const std::string& name) {
  auto v = f.number(name, 0.0, 0.0);
  if (!v.ok()) return v.error();
  if (f.has(name) && !(*v > 0)) return make_error("", name, "'" + *f.get(name) + "' is not a positive number of bytes");
  return *v;
}

void print_help() {
  std::cout << kUsage << "\npolicies:\n";
  for (const auto& p : placement::placement_policies()) {
    std::printf("  %-12s %s%s\n", p.name.c_str(), p.description.c_str(),
                p.name == placement::kDefaultPolicy ? " [default]" : "");
  }
}

}  // namespace

int run_plan(const Args& args) {
  FlagSet f("plan");
  f.value("--loads").value("--replicas").value("--gpus").value("--nodes").value("--groups").value("--policy")
      .value("--coactivation").value("--out").value("--expert-bytes").value("--gpu-memory-bytes")
      .toggle("--one-copy-per-gpu").toggle("--json");
  if (auto st = f.parse(args); !st.ok()) return print_error(st.error());
  if (f.help()) {
    print_help();
    return 0;
  }
  if (!f.positional().empty()) return print_error(Error{"plan: unexpected argument '" + f.positional()[0] + "'"});
  const auto loads_path = f.get("--loads");
  if (!loads_path) return print_error(make_error("", "--loads", "is required (moesim plan --help)"));

  placement::PlanRequest req;
  auto replicas = int_flag(f, "--replicas", std::nullopt);
  if (!replicas.ok()) return print_error(replicas.error());
  auto gpus = int_flag(f, "--gpus", std::nullopt);
  if (!gpus.ok()) return print_error(gpus.error());
  auto nodes = int_flag(f, "--nodes", 1);
  if (!nodes.ok()) return print_error(nodes.error());
  auto groups = int_flag(f, "--groups", 1);
  if (!groups.ok()) return print_error(groups.error());
  auto expert_bytes = bytes_flag(f, "--expert-bytes");
  if (!expert_bytes.ok()) return print_error(expert_bytes.error());
  auto gpu_memory = bytes_flag(f, "--gpu-memory-bytes");
  if (!gpu_memory.ok()) return print_error(gpu_memory.error());
  if ((*expert_bytes > 0) != (*gpu_memory > 0)) {
    return print_error(make_error("", "--expert-bytes", "needs --gpu-memory-bytes too (and the other way round)"));
  }
  req.num_physical_experts = *replicas;
  req.num_gpus = *gpus;
  req.num_nodes = *nodes;
  req.num_groups = *groups;
  req.one_copy_per_gpu = f.on("--one-copy-per-gpu");
  req.expert_bytes = *expert_bytes;
  req.gpu_memory_bytes = *gpu_memory;
  if (auto v = f.get("--policy")) req.policy = *v;
  if (auto p = placement::find_policy(req.policy); !p.ok()) return print_error(make_error("", "--policy", p.message()));
  const std::string out_path = f.get_or("--out", "");
  if (!out_path.empty()) {
    if (auto fmt = proto_format_for_path(out_path); !fmt.ok()) return print_error(fmt.error());
  }

  auto loads = read_loads_matrix(*loads_path);
  if (!loads.ok()) return print_error(loads.error());
  req.loads = std::move(*loads);
  CountMatrix coactivation;
  if (auto coact_path = f.get("--coactivation")) {
    auto c = read_count_matrix(*coact_path, "row", "column");
    if (!c.ok()) return print_error(c.error());
    const size_t n = req.loads[0].size();
    if (c->size() != n || (*c)[0].size() != n) {
      return print_error(make_error(*coact_path, "", "co-activation matrix is " + std::to_string(c->size()) + " x " +
                                                        std::to_string((*c)[0].size()) + ", expected " + std::to_string(n) +
                                                        " x " + std::to_string(n) + " (experts x experts, as in --loads)"));
    }
    coactivation = std::move(*c);
    req.coactivation = &coactivation;
  }

  auto placed = placement::plan_placement(req);
  if (!placed.ok()) return print_error(placed.error());

  // Metrics per layer.
  const size_t layers = req.loads.size();
  const int num_experts = static_cast<int>(req.loads[0].size());
  std::vector<std::vector<int>> phy2log(layers), cnt(layers);
  std::vector<std::vector<double>> gload(layers);
  std::vector<double> imb(layers), bound(layers), mean(layers), cross(layers, 0.0);
  for (size_t l = 0; l < layers; ++l) {
    phy2log[l] = placement::layer_phy2log(*placed, l);
    cnt[l] = placement::logcnt(phy2log[l], num_experts);
    gload[l] = placement::gpu_load(req.loads[l], phy2log[l], req.num_gpus);
    imb[l] = placement::imbalance(gload[l]);
    double total = 0;
    for (double v : req.loads[l]) total += v;
    mean[l] = total / req.num_gpus;
    bound[l] = placement::load_lower_bound(req.loads[l], req.num_physical_experts, req.num_gpus, req.one_copy_per_gpu);
    if (req.coactivation) {
      cross[l] = placement::cross_node_coactivation(phy2log[l], req.num_gpus, req.num_nodes, coactivation);
    }
  }

  if (!out_path.empty()) {
    if (auto st = save_proto(out_path, *placed); !st.ok()) return print_error(st.error());
  }

  if (f.on("--json")) {
    nlohmann::json j;
    j["policy"] = placed->policy();
    j["num_gpus"] = req.num_gpus;
    j["num_nodes"] = req.num_nodes;
    j["slots_per_gpu"] = placed->slots_per_gpu();
    j["num_experts"] = num_experts;
    j["phy2log"] = phy2log;
    j["logcnt"] = cnt;
    j["gpu_load"] = gload;
    j["imbalance"] = imb;
    std::vector<double> bound_imb(layers);
    for (size_t l = 0; l < layers; ++l) bound_imb[l] = mean[l] > 0 ? bound[l] / mean[l] : 1.0;
    j["lower_bound_imbalance"] = bound_imb;
    if (req.coactivation) j["cross_node_coactivation"] = cross;
    std::cout << j.dump() << "\n";
    return 0;
  }

  std::printf("policy %s: %zu layers, %d experts, %d slots on %d GPUs (%d per GPU) in %d nodes\n",
              placed->policy().c_str(), layers, num_experts, req.num_physical_experts, req.num_gpus,
              static_cast<int>(placed->slots_per_gpu()), req.num_nodes);
  std::printf("%6s %14s %14s %10s %12s %9s%s\n", "layer", "max_gpu_load", "mean_gpu_load", "max/mean", "lower_bound",
              "max_reps", req.coactivation ? "  cross_node_coact" : "");
  double sum_max = 0, sum_mean = 0, sum_bound = 0, worst = 0;
  for (size_t l = 0; l < layers; ++l) {
    const double mx = placement::max_of(gload[l]);
    int max_reps = 0;
    for (int c : cnt[l]) max_reps = std::max(max_reps, c);
    const double bound_imb = mean[l] > 0 ? bound[l] / mean[l] : 1.0;
    std::printf("%6zu %14.1f %14.1f %10.4f %12.4f %9d", l, mx, mean[l], imb[l], bound_imb, max_reps);
    if (req.coactivation) std::printf("  %16.4f", cross[l]);
    std::printf("\n");
    sum_max += mx;
    sum_mean += mean[l];
    sum_bound += bound[l];
    worst = std::max(worst, imb[l]);
  }
  const double overall = sum_mean > 0 ? sum_max / sum_mean : 1.0;
  const double overall_bound = sum_mean > 0 ? sum_bound / sum_mean : 1.0;
  std::printf("total: sum of per-layer max / sum of means = %.4f (lower bound %.4f), worst layer %.4f\n", overall,
              overall_bound, worst);
  if (!out_path.empty()) std::printf("wrote %s\n", out_path.c_str());
  return 0;
}

}  // namespace moesim::cli
