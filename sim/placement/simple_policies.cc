#include "sim/placement/simple_policies.h"

#include <algorithm>

#include "sim/placement/replication.h"

namespace moesim::placement {
namespace {

enum class FillOrder { kFirstFree, kDealOn };

// Places expert e on base_gpu[e], then the extra replicas; returns the GPU-major map.
Result<Phy2Log> place_with_extras(const LayerProblem& p, const std::vector<int>& base_gpu, FillOrder order,
                                  const std::string& policy) {
  const int n = p.num_experts();
  const int slots = p.slots_per_gpu();
  std::vector<std::vector<int>> on_gpu(static_cast<size_t>(p.num_gpus));
  for (int e = 0; e < n; ++e) on_gpu[static_cast<size_t>(base_gpu[static_cast<size_t>(e)])].push_back(e);

  if (p.one_copy_per_gpu && static_cast<long long>(n) * p.num_gpus < p.num_physical) {
    return make_error("", "--one-copy-per-gpu",
                      "policy " + policy + ": " + std::to_string(slots) + " slots per GPU but only " +
                          std::to_string(n) + " experts");
  }
  std::vector<int> extras;
  replicate_min_max(p.loads, p.num_physical, p.one_copy_per_gpu ? p.num_gpus : p.num_physical, &extras);
  int cursor = n % p.num_gpus;  // round-robin: the next GPU in the deal
  for (int e : extras) {
    int chosen = -1;
    for (int k = 0; k < p.num_gpus && chosen < 0; ++k) {
      const int g = order == FillOrder::kFirstFree ? k : (cursor + k) % p.num_gpus;
      const auto& v = on_gpu[static_cast<size_t>(g)];
      if (static_cast<int>(v.size()) >= slots) continue;
      if (p.one_copy_per_gpu && std::find(v.begin(), v.end(), e) != v.end()) continue;
      chosen = g;
    }
    if (chosen < 0) {
      return make_error("", "--one-copy-per-gpu",
                        "policy " + policy + " found no free slot on a GPU without expert " + std::to_string(e) +
                            " (use policy 'balanced')");
    }
    on_gpu[static_cast<size_t>(chosen)].push_back(e);
    cursor = (chosen + 1) % p.num_gpus;
  }
  Phy2Log out;
  out.reserve(static_cast<size_t>(p.num_physical));
  for (const auto& v : on_gpu) out.insert(out.end(), v.begin(), v.end());
  return out;
}

}  // namespace

Result<Phy2Log> ContiguousPolicy::place(const LayerProblem& p) const {
  const int n = p.num_experts();
  std::vector<int> base(static_cast<size_t>(n));
  // floor(e * G / E) puts at most ceil(E / G) <= slots experts on a GPU (E <= R = G * slots).
  for (int e = 0; e < n; ++e) base[static_cast<size_t>(e)] = static_cast<int>(static_cast<long long>(e) * p.num_gpus / n);
  return place_with_extras(p, base, FillOrder::kFirstFree, "contiguous");
}

Result<Phy2Log> RoundRobinPolicy::place(const LayerProblem& p) const {
  const int n = p.num_experts();
  std::vector<int> base(static_cast<size_t>(n));
  for (int e = 0; e < n; ++e) base[static_cast<size_t>(e)] = e % p.num_gpus;
  return place_with_extras(p, base, FillOrder::kDealOn, "round-robin");
}

}  // namespace moesim::placement
