// Incremental placement for experts added during training (continual learning): the new
// experts go where there is room without disturbing the experts already placed, and existing
// experts move only where the move pays for its migration.
//
// Input: one layer's old slot table (GPU-major phy2log, old slots per GPU), the new slots per
// GPU (>= old; new slots start empty), the expected load of every expert after the addition
// (new experts included, as estimates). Steps:
//  1. New experts (no slot yet), heaviest first, each to the slot that keeps the busiest GPU
//     lightest: an empty slot, or a redundant slot (a replica of an expert with >= 2 copies,
//     which gives it up). Ties: the lighter GPU, then an empty slot, then the lower slot.
//     A new expert costs no migration: it is initialised in place.
//  2. Empty slots left over are filled with a replica of an existing expert, and
//  3. pairs of experts on the busiest GPU and another GPU are swapped,
//     each only if it pays: over the `remaining_steps` steps the placement will serve, the
//     step-time saving must exceed the added migration time,
//         (max_load_before - max_load_after) * seconds_per_assignment * remaining_steps
//           >  migration_after - migration_before,
//     where the migration time is estimated as the most expert copies any GPU must receive
//     times seconds_per_expert_move (copies to different GPUs travel in parallel; a copy is an
//     expert a GPU did not hold in the old table). Moving a new expert is free.
// Load model (placement_metrics.h): an expert's tokens split evenly over its replicas; the
// busiest GPU's assignments set the layer's expert time. Nothing moves when moves cannot pay
// (remaining_steps = 0 or seconds_per_assignment = 0), so existing experts keep their slots
// whenever there is room for the new ones.
// Thread-safety: pure function.
#pragma once

#include <span>

#include "sim/placement/policy.h"
#include "traces/status.h"

namespace moesim::study {

struct IncrementalCosts {
  double seconds_per_assignment = 0;   // step time per assignment on the busiest GPU (this layer)
  double seconds_per_expert_move = 0;  // migration time of one expert copy into a GPU
  double remaining_steps = 0;          // steps until the next re-plan (or the end of training)
};

struct IncrementalResult {
  placement::Phy2Log phy2log;   // [num_gpus * slots_per_gpu]
  int new_experts_placed = 0;
  int replicas_evicted = 0;     // redundant slots given to new experts
  int replicas_added = 0;       // leftover empty slots filled (paying) with replicas
  int swaps = 0;                // paying swaps of existing experts
  int empty_slots = 0;          // slots left empty (-1): no replica paid for them
  double max_load = 0;          // busiest GPU's load after all steps
  double migration_s = 0;       // the estimate of the migration this placement costs
};

// Errors: shapes (old table not num_gpus x old slots, fewer new slots than old, loads shorter
// than an expert in the old table), or a new expert that finds neither an empty nor a
// redundant slot (message says how many slots per GPU would be needed).
Result<IncrementalResult> incremental_placement(std::span<const int> old_phy2log, int num_gpus, int slots_per_gpu,
                                                std::span<const double> loads, const IncrementalCosts& costs);

}  // namespace moesim::study
