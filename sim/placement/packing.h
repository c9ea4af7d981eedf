// Packing replicas onto GPUs with a fixed number of slots per GPU.
//
// Problem: R items with weights w_i (a replica's share of its expert's tokens) go into G packs
// (GPUs) of exactly S = R / G items each, minimising the heaviest pack. With
// one_copy_per_gpu, no pack holds two replicas of the same expert.
//
//  * eplb_balanced_packing: DeepSeek EPLB's greedy: items by weight, heaviest first (stable:
//    equal weights keep index order), each to the lightest pack that still has room (lowest
//    index on ties); when S == 1, item i goes to pack i, as EPLB special-cases it.
//  * SlotPacking: the same longest-processing-time greedy (optionally with the one-copy rule),
//    then a local search of pairwise swaps: take the heaviest pack g, find the item a in g and
//    b in another pack h (w_a > w_b) whose exchange minimises max(L_g - d, L_h + d), d = w_a - w_b,
//    and apply it while that is below L_g. Each swap strictly lowers the pair's maximum, so the
//    sorted load vector decreases lexicographically and the search ends. Packs h are scanned
//    lightest first, and the scan stops once (L_g + L_h) / 2 (the least peak any swap with h
//    can leave) reaches the best found.
// Not thread-safe per object; separate objects are independent.
#pragma once

#include <span>
#include <vector>

#include "sim/placement/policy.h"

namespace moesim::placement {

struct PackAssignment {
  std::vector<int> pack;          // [items] pack of each item
  std::vector<int> rank_in_pack;  // [items] order of arrival within its pack
};

PackAssignment eplb_balanced_packing(std::span<const double> weights, int num_packs);

class SlotPacking {
 public:
  // `weights` and `experts` describe the items (replicas); both must outlive the object.
  SlotPacking(std::span<const double> weights, std::span<const int> experts, int num_gpus, bool one_copy_per_gpu);

  // Greedy LPT. Under one-copy a dead end is repaired by moving an item out of a full pack;
  // returns false if that fails too (then use pack_dealt()).
  bool pack_lpt();
  // Items grouped by expert (heaviest first) dealt round-robin, item k to GPU k % G: always
  // satisfies one-copy when no expert has more than G replicas.
  void pack_dealt();
  // Best-fit decreasing under a capacity: heaviest item first, to the fullest GPU that can take
  // it while its remaining slots can still be filled with the lightest item:
  //   load + w + (free_slots - 1) * w_min <= capacity.
  // Returns false when some item fits nowhere (the capacity is probably infeasible).
  bool pack_best_fit(double capacity);
  // Starts from an existing assignment: pack_of[i] = GPU of item i (exactly S items each).
  void assign(std::span<const int> pack_of);

  // Pairwise-swap local search; stops after `max_swaps` swaps, when no swap helps, or when the
  // heaviest GPU is at or below `good_enough` (e.g. a lower bound). Returns the swaps made.
  int improve_by_swaps(int max_swaps, double good_enough = 0.0);

  double max_load() const;
  const std::vector<double>& loads() const { return load_; }
  // GPU-major expert of each slot, items of a GPU in arrival order.
  Phy2Log phy2log() const;

 private:
  bool holds(int gpu, int expert) const;
  // Items by weight, heaviest first (index order on ties); computed once per object.
  const std::vector<int>& heaviest_first();
  void place(int item, int gpu);
  void clear();
  // The items on a GPU, in arrival order.
  std::span<int> on(int gpu) { return {slot_.data() + static_cast<size_t>(gpu) * static_cast<size_t>(slots_), static_cast<size_t>(fill_[static_cast<size_t>(gpu)])}; }
  std::span<const int> on(int gpu) const { return {slot_.data() + static_cast<size_t>(gpu) * static_cast<size_t>(slots_), static_cast<size_t>(fill_[static_cast<size_t>(gpu)])}; }

  std::span<const double> w_;
  std::span<const int> expert_;
  int num_gpus_;
  int slots_;
  bool one_copy_;
  std::vector<int> slot_;                // [gpu * slots + k] item in slot k of a GPU
  std::vector<int> fill_;                // [gpu] slots filled
  std::vector<double> load_;             // [gpu]
  std::vector<int> order_;               // heaviest_first(), once computed
};

}  // namespace moesim::placement
