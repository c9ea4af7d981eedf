// Shape rules and indexing for moesim.ExpertLoadTrace (traces/proto/expert_load.proto).
//
// counts is row-major [num_steps][num_layers][num_experts]; rank_counts, when present, is
// [num_steps][num_ranks][num_layers][num_experts] and sums over ranks to counts. Every
// importer builds its trace through init_trace_shape() and checks it with
// validate_expert_load_trace() before handing it out, so consumers may index without checks.
// Thread-safety: stateless functions.
#pragma once

#include <cstddef>
#include <string>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

inline size_t count_index(const ExpertLoadTrace& t, size_t step, size_t layer, size_t expert) {
  return (step * t.num_layers() + layer) * t.num_experts() + expert;
}

inline size_t rank_count_index(const ExpertLoadTrace& t, size_t step, size_t rank, size_t layer,
                               size_t expert) {
  return ((step * t.num_ranks() + rank) * t.num_layers() + layer) * t.num_experts() + expert;
}

// Sets the dimensions and zero-fills counts (and rank_counts when num_ranks > 0).
// step_ids are set to 0..num_steps-1; importers overwrite them when they know better.
void init_trace_shape(ExpertLoadTrace* t, size_t num_steps, size_t num_layers, size_t num_experts,
                      size_t num_ranks);

// counts[s][l][e] = sum over ranks of rank_counts[s][r][l][e].
void sum_rank_counts(ExpertLoadTrace* t);

// Checks dimensions, array sizes, finite non-negative counts, increasing step ids, label
// counts, and that rank_counts sums to counts. Errors name `source` and the first offending
// field or element.
Status validate_expert_load_trace(const ExpertLoadTrace& t, const std::string& source);

}  // namespace moesim
