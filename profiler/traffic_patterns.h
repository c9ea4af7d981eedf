// Uneven all-to-all(v) splits for the profiler: rank-to-rank token counts from a routing model
// (sim/routing) or from a real expert-load log (traces/trace_import.h), scaled to bytes.
//
// Experts are placed contiguously: with E experts on n ranks, expert e lives on rank
// e * n / E. A trace recorded on R source ranks is folded onto n ranks the same way
// (source rank r -> r * n / R); a trace without per-rank counts spreads each expert's load
// evenly over the sources. Counts are token assignments (a token sent to two experts on one
// rank counts twice), as the per-rank logs record them.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::profiler {

struct UnevenPattern {
  std::string name;
  int num_ranks = 0;
  std::vector<double> tokens;  // [src * n + dst], token assignments
};

// Patterns from the routing models: zipf (s = 1.2), dirichlet (alpha = 0.3), one layer each,
// `num_experts` experts (rounded up to a multiple of n), top-k 2.
Result<std::vector<UnevenPattern>> routing_patterns(int num_ranks, int num_experts, unsigned long long seed);

// Up to `max_cases` patterns from a real expert-load log: the first, middle and last snapshot
// of its middle layer (then more layers while cases remain).
Result<std::vector<UnevenPattern>> trace_patterns(const std::string& path, int num_ranks, int max_cases);

// Bytes from the tokens: scaled so the mean bytes a rank sends (row sums, itself included) is
// `mean_rank_bytes`, each entry a whole number of `token_bytes`.
std::vector<double> pattern_bytes(const UnevenPattern& p, double mean_rank_bytes, double token_bytes);

}  // namespace moesim::profiler
