// Walker's alias method: O(1) draws from a fixed discrete distribution.
//
// Vose's construction: scale the n weights so that they average 1; pair every "small" column
// (< 1) with a "large" one that tops it up to exactly 1. A draw picks a column uniformly, then
// keeps it with probability threshold[col], else takes its alias. One 64-bit random word per
// draw: the high 32 bits choose the column, the low 32 bits decide keep/alias, so a column is
// chosen with probability 1/n exactly up to 2^-32 quantisation.
// Owns its tables; const methods are thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace moesim::routing {

class AliasTable {
 public:
  // Weights must be finite and >= 0 with a positive sum (checked). Zero weights are never drawn.
  void build(const double* weights, int n);
  int size() const { return static_cast<int>(alias_.size()); }
  int sample(uint64_t random_word) const {
    const uint64_t col = ((random_word >> 32) * static_cast<uint64_t>(alias_.size())) >> 32;
    return (random_word & 0xffffffffULL) < threshold_[col] ? static_cast<int>(col) : alias_[col];
  }

 private:
  std::vector<uint64_t> threshold_;  // keep column if low32 < threshold (in [0, 2^32])
  std::vector<int32_t> alias_;
};

}  // namespace moesim::routing
