#include "sim/placement/planner.h"

#include <cmath>
#include <sstream>

#include "sim/placement/affinity_policy.h"
#include "sim/placement/balanced_policy.h"
#include "sim/placement/eplb_policy.h"
#include "sim/placement/simple_policies.h"

namespace moesim::placement {
namespace {

template <typename T>
std::function<std::unique_ptr<PlacementPolicy>()> make() {
  return [] { return std::make_unique<T>(); };
}

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

const std::vector<PolicyInfo>& placement_policies() {
  static const std::vector<PolicyInfo> table = {
      {"balanced",
       "default: global replica allocation + LPT packing + swap/allocation local search; never worse than eplb",
       make<BalancedPolicy>()},
      {"eplb", "DeepSeek EPLB: groups->nodes, replicate within node, pack onto GPUs (global if groups % nodes != 0)",
       make<EplbPolicy>()},
      {"affinity", "keeps co-activated experts on one node (needs --coactivation), then balances within each node",
       make<AffinityPolicy>()},
      {"contiguous", "expert e on GPU e*G/E; extra slots hold replicas of the hottest experts", make<ContiguousPolicy>()},
      {"round-robin", "expert e on GPU e % G; extra slots hold replicas of the hottest experts, dealt on",
       make<RoundRobinPolicy>()},
  };
  return table;
}

Result<const PolicyInfo*> find_policy(const std::string& name) {
  std::string known;
  for (const auto& p : placement_policies()) {
    if (p.name == name) return &p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  return Error{"unknown placement policy '" + name + "' (known: " + known + ")"};
}

Status validate_request(const PlanRequest& r) {
  if (r.loads.empty()) return make_error("", "loads", "no layers");
  const size_t n = r.loads[0].size();
  if (n == 0) return make_error("", "loads", "layer 0 has no experts");
  for (size_t l = 0; l < r.loads.size(); ++l) {
    if (r.loads[l].size() != n) {
      return make_error("", "loads", "ragged matrix: layer " + std::to_string(l) + " has " +
                                         std::to_string(r.loads[l].size()) + " experts, layer 0 has " + std::to_string(n));
    }
    for (size_t e = 0; e < n; ++e) {
      const double v = r.loads[l][e];
      const std::string where = "layer " + std::to_string(l) + ", expert " + std::to_string(e);
      if (!std::isfinite(v)) return make_error("", "loads", where + ": load is not a finite number");
      if (v < 0) return make_error("", "loads", where + ": negative load " + num(v));
    }
  }
  const int E = static_cast<int>(n);
  if (r.num_gpus < 1) return make_error("", "--gpus", "must be at least 1, got " + std::to_string(r.num_gpus));
  if (r.num_nodes < 1) return make_error("", "--nodes", "must be at least 1, got " + std::to_string(r.num_nodes));
  if (r.num_groups < 1) return make_error("", "--groups", "must be at least 1, got " + std::to_string(r.num_groups));
  if (r.num_physical_experts < E) {
    return make_error("", "--replicas", std::to_string(r.num_physical_experts) + " physical experts is fewer than the " +
                                            std::to_string(E) + " logical experts (every expert needs a slot)");
  }
  if (r.num_gpus > r.num_physical_experts) {
    return make_error("", "--gpus", std::to_string(r.num_gpus) + " GPUs but only " +
                                        std::to_string(r.num_physical_experts) + " slots (--replicas): some GPU would hold no expert");
  }
  if (r.num_physical_experts % r.num_gpus != 0) {
    return make_error("", "--replicas", std::to_string(r.num_physical_experts) + " slots do not divide evenly over " +
                                            std::to_string(r.num_gpus) + " GPUs");
  }
  if (r.num_gpus % r.num_nodes != 0) {
    return make_error("", "--gpus", std::to_string(r.num_gpus) + " GPUs do not divide evenly over " +
                                        std::to_string(r.num_nodes) + " nodes");
  }
  if (E % r.num_groups != 0) {
    return make_error("", "--groups", std::to_string(r.num_groups) + " groups do not divide the " + std::to_string(E) +
                                          " experts");
  }
  // Absurd sizes are refused before any work. The placement itself is layers x replicas ints;
  // the searching policies (all but contiguous/round-robin) compare GPU pairs, O(GPUs^2) per
  // layer (about 2 s per layer at 32,768 GPUs), so past 65,536 GPUs a plan would look hung.
  if (r.num_gpus > (1 << 20)) {
    return make_error("", "--gpus", std::to_string(r.num_gpus) + " GPUs refused: moesim supports up to 1,048,576 GPUs");
  }
  const double placement_bytes = static_cast<double>(r.loads.size()) * r.num_physical_experts * sizeof(int);
  if (placement_bytes > 2e9) {
    return make_error("", "--replicas", std::to_string(r.loads.size()) + " layers x " + std::to_string(r.num_physical_experts) +
                                            " slots refused: about " + std::to_string(static_cast<long long>(placement_bytes / 1e6)) +
                                            " MB for the placement alone; the limit is 2,000 MB");
  }
  if (r.num_gpus > 65536 && r.policy != "contiguous" && r.policy != "round-robin") {
    return make_error("", "--gpus", std::to_string(r.num_gpus) + " GPUs refused for policy " + r.policy +
                                        ": its search is O(GPUs^2) per layer (about " +
                                        std::to_string(static_cast<long long>(2.0 * r.num_gpus / 32768 * r.num_gpus / 32768)) +
                                        " s per layer); at most 65,536 GPUs, or use contiguous / round-robin");
  }
  if (r.expert_bytes < 0 || !std::isfinite(r.expert_bytes)) return make_error("", "--expert-bytes", "must be >= 0");
  if (r.gpu_memory_bytes < 0 || !std::isfinite(r.gpu_memory_bytes)) return make_error("", "--gpu-memory-bytes", "must be >= 0");
  if (r.expert_bytes > 0 && r.gpu_memory_bytes > 0) {
    const int slots = r.num_physical_experts / r.num_gpus;
    const double need = slots * r.expert_bytes;
    if (need > r.gpu_memory_bytes) {
      const auto fit = static_cast<long long>(std::floor(r.gpu_memory_bytes / r.expert_bytes));
      return make_error("", "--gpu-memory-bytes",
                        std::to_string(slots) + " expert slots per GPU x " + num(r.expert_bytes) + " bytes = " + num(need) +
                            " bytes exceed the " + num(r.gpu_memory_bytes) + " bytes per GPU (room for " +
                            std::to_string(fit) + " experts; use --replicas <= " + std::to_string(fit * r.num_gpus) + ")");
    }
  }
  if (r.one_copy_per_gpu && static_cast<long long>(E) * r.num_gpus < r.num_physical_experts) {
    return make_error("", "--one-copy-per-gpu", std::to_string(r.num_physical_experts / r.num_gpus) +
                                                    " slots per GPU but only " + std::to_string(E) +
                                                    " experts: some GPU must hold two replicas of one expert");
  }
  if (r.coactivation != nullptr) {
    const auto& c = *r.coactivation;
    if (c.size() != n) {
      return make_error("", "--coactivation", "matrix has " + std::to_string(c.size()) + " rows, expected " +
                                                  std::to_string(n) + " (one per expert)");
    }
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i].size() != n) {
        return make_error("", "--coactivation", "row " + std::to_string(i) + " has " + std::to_string(c[i].size()) +
                                                    " columns, expected " + std::to_string(n));
      }
      for (size_t j = 0; j < n; ++j) {
        if (!std::isfinite(c[i][j]) || c[i][j] < 0) {
          return make_error("", "--coactivation", "row " + std::to_string(i) + ", column " + std::to_string(j) +
                                                      ": count must be finite and >= 0, got " + num(c[i][j]));
        }
      }
    }
  }
  return {};
}

LayerProblem layer_problem(const PlanRequest& r, size_t layer) {
  LayerProblem p;
  p.loads = r.loads[layer];
  p.num_physical = r.num_physical_experts;
  p.num_nodes = r.num_nodes;
  p.num_gpus = r.num_gpus;
  p.num_groups = r.num_groups;
  p.one_copy_per_gpu = r.one_copy_per_gpu;
  p.coactivation = r.coactivation;
  return p;
}

Result<Placement> plan_placement(const PlanRequest& r) {
  const auto found = find_policy(r.policy);
  if (!found.ok()) return make_error("", "--policy", found.message());
  const PolicyInfo* info = *found;
  MOESIM_RETURN_IF_ERROR(validate_request(r));
  const auto policy = info->factory();
  Placement out;
  out.set_num_gpus(static_cast<uint32_t>(r.num_gpus));
  out.set_slots_per_gpu(static_cast<uint32_t>(r.num_physical_experts / r.num_gpus));
  out.set_num_experts(static_cast<uint32_t>(r.loads[0].size()));
  out.set_policy(info->name);
  for (size_t l = 0; l < r.loads.size(); ++l) {
    auto placed = policy->place(layer_problem(r, l));
    if (!placed.ok()) {
      return make_error("", "", "policy " + info->name + ", layer " + std::to_string(l) + ": " + placed.message());
    }
    auto* layer = out.add_layers();
    layer->mutable_phy2log()->Add(placed->begin(), placed->end());
  }
  return out;
}

std::vector<int> layer_phy2log(const Placement& placement, size_t layer) {
  const auto& v = placement.layers(static_cast<int>(layer)).phy2log();
  return std::vector<int>(v.begin(), v.end());
}

}  // namespace moesim::placement
