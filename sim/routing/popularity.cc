#include "sim/routing/popularity.h"

#include <cmath>
#include <limits>
#include <numeric>

#include "sim/routing/random.h"
#include "traces/check.h"

namespace moesim::routing {

Popularity::Popularity(PopularityKind kind, double zipf_exponent, double dirichlet_alpha,
                       double drift_per_step, const TaskPlan& plan, int num_layers, uint64_t seed)
    : drift_(drift_per_step), seed_(seed), num_tasks_(plan.num_tasks()) {
  const int num_experts = plan.final_experts();
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  logits_.resize(static_cast<size_t>(num_layers) * num_tasks_);
  step_of_layer_.assign(num_layers, 0);
  for (int layer = 0; layer < num_layers; ++layer) {
    for (int task = 0; task < num_tasks_; ++task) {
      std::vector<double>& l = logits_[static_cast<size_t>(layer) * num_tasks_ + task];
      l.assign(num_experts, kNegInf);
      const int b = plan.domain_begin(task), e = plan.domain_end(task), n = e - b;
      Rng rng(stream_seed(seed, StreamKind::kInitPopularity, {layer, task}));
      switch (kind) {
        case PopularityKind::kUniform:
          for (int i = b; i < e; ++i) l[i] = 0.0;
          break;
        case PopularityKind::kZipf: {
          // Fisher-Yates permutation of the domain; rank r (0-based) -> expert perm[r].
          std::vector<int> perm(n);
          std::iota(perm.begin(), perm.end(), b);
          for (int i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
          for (int r = 0; r < n; ++r) l[perm[r]] = -zipf_exponent * std::log(r + 1.0);
          break;
        }
        case PopularityKind::kDirichlet:
          for (int i = b; i < e; ++i) l[i] = rng.log_gamma(dirichlet_alpha);
          break;
      }
    }
  }
}

void Popularity::advance(int layer, int step) {
  MOESIM_CHECK(layer >= 0 && layer < static_cast<int>(step_of_layer_.size())) << "layer " << layer;
  int& current = step_of_layer_[layer];
  MOESIM_CHECK(step >= current) << "routing steps must not go back: layer " << layer << " at step "
                                << current << ", asked for step " << step;
  if (drift_ > 0) {
    for (int t = current + 1; t <= step; ++t) {
      for (int task = 0; task < num_tasks_; ++task) {
        Rng rng(stream_seed(seed_, StreamKind::kDrift, {t, layer, task}));
        for (double& v : logits_[static_cast<size_t>(layer) * num_tasks_ + task])
          if (std::isfinite(v)) v += drift_ * rng.normal();
      }
    }
  }
  current = step;
}

}  // namespace moesim::routing
