#include "sim/placement/balanced_policy.h"

#include <algorithm>
#include <numeric>

#include "sim/placement/eplb_policy.h"
#include "sim/placement/packing.h"
#include "sim/placement/placement_metrics.h"
#include "sim/placement/replication.h"

namespace moesim::placement {
namespace {

// Swap-search budget: a swap fixes one pair; a few passes over every slot is plenty.
int swap_budget(int num_physical) { return 4 * num_physical; }

// Allocation-search budget (step 3).
constexpr int kAllocationRounds = 4;
constexpr int kDonorCandidates = 3;
constexpr int kReceiverCandidates = 3;

struct Items {
  std::vector<double> weight;
  std::vector<int> expert;
};

Items items_for(std::span<const double> loads, std::span<const int> counts) {
  Items it;
  const int total = std::accumulate(counts.begin(), counts.end(), 0);
  it.weight.reserve(static_cast<size_t>(total));
  it.expert.reserve(static_cast<size_t>(total));
  for (size_t e = 0; e < counts.size(); ++e) {
    for (int k = 0; k < counts[e]; ++k) {
      it.weight.push_back(loads[e] / counts[e]);
      it.expert.push_back(static_cast<int>(e));
    }
  }
  return it;
}

// Packs the replicas given by `counts`; returns the packed map and its maximum.
PackedLayer pack_counts(std::span<const double> loads, std::span<const int> counts, int num_gpus, bool one_copy) {
  const Items it = items_for(loads, counts);
  SlotPacking pk(it.weight, it.expert, num_gpus, one_copy);
  if (!pk.pack_lpt()) pk.pack_dealt();
  pk.improve_by_swaps(swap_budget(static_cast<int>(it.weight.size())));
  return {pk.phy2log(), pk.max_load()};
}

int allocation_cap(int num_experts, int num_physical, int num_gpus, bool one_copy) {
  if (one_copy) return num_gpus;
  // Without the rule, capping at G is only possible when the slots fit under it.
  return static_cast<long long>(num_experts) * num_gpus >= num_physical ? num_gpus : num_physical;
}

// The heaviest GPU of a map (lowest index on ties) and its experts.
std::vector<int> experts_on_heaviest_gpu(std::span<const double> loads, const Phy2Log& phy2log, int num_gpus) {
  const auto gl = gpu_load(loads, phy2log, num_gpus);
  const size_t g = static_cast<size_t>(std::max_element(gl.begin(), gl.end()) - gl.begin());
  const size_t slots = phy2log.size() / static_cast<size_t>(num_gpus);
  std::vector<int> out(phy2log.begin() + static_cast<std::ptrdiff_t>(g * slots),
                       phy2log.begin() + static_cast<std::ptrdiff_t>((g + 1) * slots));
  // Heaviest replica first, so the most promising receivers are tried first.
  const auto cnt = logcnt(phy2log, static_cast<int>(loads.size()));
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) {
    return loads[static_cast<size_t>(a)] / cnt[static_cast<size_t>(a)] > loads[static_cast<size_t>(b)] / cnt[static_cast<size_t>(b)];
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<PackedLayer> pack_min_max(std::span<const double> loads, int num_physical, int num_gpus, bool one_copy) {
  const int n = static_cast<int>(loads.size());
  if (one_copy && static_cast<long long>(n) * num_gpus < num_physical) {
    return make_error("", "--one-copy-per-gpu",
                      std::to_string(num_physical / num_gpus) + " slots per GPU but only " + std::to_string(n) +
                          " experts: some GPU must hold two replicas of one expert");
  }
  const auto counts = replicate_min_max(loads, num_physical, allocation_cap(n, num_physical, num_gpus, one_copy));
  return pack_counts(loads, counts, num_gpus, one_copy);
}

Result<Phy2Log> BalancedPolicy::place(const LayerProblem& p) const {
  const int n = p.num_experts();
  const int cap = allocation_cap(n, p.num_physical, p.num_gpus, p.one_copy_per_gpu);
  MOESIM_ASSIGN_OR_RETURN(PackedLayer best, pack_min_max(p.loads, p.num_physical, p.num_gpus, p.one_copy_per_gpu));
  std::vector<int> best_counts = logcnt(best.phy2log, n);

  // Step 3: move one replica at a time from a donor to an expert on the heaviest GPU.
  const double bound = load_lower_bound(p.loads, p.num_physical, p.num_gpus, p.one_copy_per_gpu);
  for (int round = 0; round < kAllocationRounds && best.max_load > bound * (1 + 1e-9); ++round) {
    std::vector<int> receivers;
    for (int e : experts_on_heaviest_gpu(p.loads, best.phy2log, p.num_gpus)) {
      if (best_counts[static_cast<size_t>(e)] < cap && static_cast<int>(receivers.size()) < kReceiverCandidates) {
        receivers.push_back(e);
      }
    }
    // Donors: experts whose per-replica load grows least when they lose a replica.
    std::vector<int> donors;
    for (int e = 0; e < n; ++e) {
      if (best_counts[static_cast<size_t>(e)] >= 2) donors.push_back(e);
    }
    auto donor_cost = [&](int e) { return p.loads[static_cast<size_t>(e)] / (best_counts[static_cast<size_t>(e)] - 1); };
    const size_t keep = std::min(donors.size(), static_cast<size_t>(kDonorCandidates));
    std::partial_sort(donors.begin(), donors.begin() + static_cast<std::ptrdiff_t>(keep), donors.end(),
                      [&](int a, int b) { return donor_cost(a) < donor_cost(b) || (donor_cost(a) == donor_cost(b) && a < b); });
    donors.resize(keep);
    bool improved = false;
    PackedLayer round_best = best;
    std::vector<int> round_counts = best_counts;
    for (int r : receivers) {
      for (int d : donors) {
        if (d == r) continue;
        std::vector<int> counts = best_counts;
        --counts[static_cast<size_t>(d)];
        ++counts[static_cast<size_t>(r)];
        PackedLayer cand = pack_counts(p.loads, counts, p.num_gpus, p.one_copy_per_gpu);
        if (cand.max_load < round_best.max_load * (1 - 1e-12)) {
          round_best = std::move(cand);
          round_counts = std::move(counts);
          improved = true;
        }
      }
    }
    if (!improved) break;
    best = std::move(round_best);
    best_counts = std::move(round_counts);
  }

  // Step 4: EPLB and EPLB + swaps, when they respect the constraints.
  const Phy2Log eplb = eplb_place(p);
  if (!p.one_copy_per_gpu || satisfies_one_copy(eplb, p.num_gpus)) {
    const auto cnt = logcnt(eplb, n);
    std::vector<double> w(eplb.size());
    std::vector<int> pack_of(eplb.size());
    const int slots = p.slots_per_gpu();
    for (size_t s = 0; s < eplb.size(); ++s) {
      w[s] = p.loads[static_cast<size_t>(eplb[s])] / cnt[static_cast<size_t>(eplb[s])];
      pack_of[s] = static_cast<int>(s) / slots;
    }
    SlotPacking pk(w, eplb, p.num_gpus, p.one_copy_per_gpu);
    pk.assign(pack_of);
    pk.improve_by_swaps(swap_budget(p.num_physical));
    // Scores recomputed from scratch: the packer's running sums carry rounding from swaps, and
    // "never worse than eplb" must hold for the loads a reader computes from phy2log.
    auto exact_max = [&](const Phy2Log& m) { return max_of(gpu_load(p.loads, m, p.num_gpus)); };
    double best_max = exact_max(best.phy2log);
    Phy2Log swapped = pk.phy2log();
    const double swapped_max = exact_max(swapped);
    if (swapped_max < best_max) {
      best.phy2log = std::move(swapped);
      best_max = swapped_max;
    }
    if (exact_max(eplb) < best_max) best.phy2log = eplb;
  }
  return std::move(best.phy2log);
}

}  // namespace moesim::placement
