// Expert popularity of token-choice routing: per MoE layer and task, a logit (log weight) per
// expert, and its drift over training steps.
//
// Initial profile of (layer, task) over the task's domain [b, e) (n = e - b experts), each from
// its own seeded stream so layers differ:
//   uniform, rre: logit = 0.
//   zipf(s):      a random permutation pi of the domain; the expert of rank r (1-based) has
//                 logit -s * ln r, i.e. weight 1 / r^s; share of the hottest = 1 / H_{n,s},
//                 H_{n,s} = sum_{r=1..n} r^-s.
//   dirichlet(a): logit = ln G_i, G_i ~ Gamma(a, 1) i.i.d., so the normalised weights are a
//                 Dirichlet(a, ..., a) draw (computed in log space: no underflow for tiny a).
// Experts outside the domain have logit -inf (never chosen by that task).
// Drift: at every step t >= 1, each finite logit takes a random-walk step
//   logit += drift_per_step * N(0, 1), drawn from the stream (seed, t, layer, task),
// so the state at step s is a function of s alone, whatever steps the caller visits.
// Not thread-safe (advance() mutates).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/routing/task_plan.h"

namespace moesim::routing {

enum class PopularityKind { kUniform, kZipf, kDirichlet };

class Popularity {
 public:
  Popularity(PopularityKind kind, double zipf_exponent, double dirichlet_alpha,
             double drift_per_step, const TaskPlan& plan, int num_layers, uint64_t seed);

  // Applies the drift of steps (current, step] to `layer`; steps never go back (checked).
  void advance(int layer, int step);
  // Logits of (layer, task) over all final experts, [final_experts].
  const std::vector<double>& logits(int layer, int task) const {
    return logits_[static_cast<size_t>(layer) * num_tasks_ + task];
  }

 private:
  double drift_;
  uint64_t seed_;
  int num_tasks_;
  std::vector<std::vector<double>> logits_;  // [layer * num_tasks + task][expert]
  std::vector<int> step_of_layer_;
};

}  // namespace moesim::routing
