#include "sim/routing/alias_table.h"

#include <cmath>

#include "traces/check.h"

namespace moesim::routing {

void AliasTable::build(const double* weights, int n) {
  MOESIM_CHECK(n > 0) << "alias table over no outcomes";
  double total = 0;
  for (int i = 0; i < n; ++i) {
    MOESIM_CHECK(weights[i] >= 0 && std::isfinite(weights[i])) << "weight " << i << " = " << weights[i];
    total += weights[i];
  }
  MOESIM_CHECK(total > 0) << "alias table with zero total weight";
  threshold_.assign(n, 0);
  alias_.assign(n, 0);
  std::vector<double> scaled(n);
  std::vector<int32_t> small, large;
  small.reserve(n);
  large.reserve(n);
  for (int i = 0; i < n; ++i) {
    scaled[i] = weights[i] * n / total;
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  constexpr double kOne = 4294967296.0;  // 2^32
  auto keep_threshold = [&](double p) {
    if (p >= 1.0) return static_cast<uint64_t>(kOne);
    return static_cast<uint64_t>(p * kOne);
  };
  while (!small.empty() && !large.empty()) {
    const int32_t s = small.back();
    small.pop_back();
    const int32_t l = large.back();
    threshold_[s] = keep_threshold(scaled[s]);
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding: always keep them. A leftover "small" with true weight 0
  // can only arise from rounding of a column already topped up, so keeping it is safe only if
  // its weight is positive; otherwise send it to a positive column.
  for (int32_t l : large) threshold_[l] = static_cast<uint64_t>(kOne), alias_[l] = l;
  for (int32_t s : small) {
    threshold_[s] = static_cast<uint64_t>(kOne);
    alias_[s] = s;
    if (weights[s] == 0) {
      threshold_[s] = 0;
      for (int i = 0; i < n; ++i) {
        if (weights[i] > 0) {
          alias_[s] = i;
          break;
        }
      }
    }
  }
}

}  // namespace moesim::routing
