#include "sim/routing/capacity.h"

#include <algorithm>
#include <cmath>

namespace moesim::routing {

int64_t expert_capacity(double capacity_factor, int64_t tokens, int top_k, int num_experts) {
  const double exact = capacity_factor * static_cast<double>(tokens) * top_k / num_experts;
  return static_cast<int64_t>(std::ceil(exact * (1.0 - 1e-12)));
}

int64_t apply_capacity(int64_t capacity, int64_t num_tokens, int top_k, int num_experts,
                       int32_t* expert_ids, int64_t* scratch) {
  std::fill(scratch, scratch + num_experts, 0);
  int64_t dropped = 0;
  const int64_t n = num_tokens * top_k;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t e = expert_ids[i];
    if (e < 0) continue;
    if (scratch[e] < capacity) {
      ++scratch[e];
    } else {
      expert_ids[i] = -1;
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace moesim::routing
