// Tasks and phases of a token-choice routing model: which task each token belongs to, which
// experts each task may use, and how many experts exist at each step (continual learning).
//
// - Without tasks or phases there is one task, of weight 1, over all experts.
// - A phase (RoutingSpec.phases) starts at a step and gives the task weights from then on; the
//   first phase starts at step 0. A task is "new" in the first phase whose task_weights list
//   includes it (at any weight; an empty list means all num_tasks tasks).
// - Domains (the experts a task routes to) are contiguous expert ranges:
//     rre:          the tasks new at step 0 split the initial experts into near-equal contiguous
//                   groups (sizes differ by at most one: PanGu-Sigma's fixed task -> group map);
//     other models: a task new at step 0 may use all initial experts (its own popularity
//                   profile over them);
//     later phases: when the phase adds experts, they are split among the phase's new tasks in
//                   the same way (the new experts take the new tasks' traffic); when it adds
//                   none, a new task uses all experts existing then (other models only).
//   Experts added later are never used by older tasks.
// Immutable after construction; thread-safe.
#pragma once

#include <vector>

#include "traces/proto/routing.pb.h"
#include "traces/status.h"

namespace moesim::routing {

class TaskPlan {
 public:
  // Validates spec.num_tasks / spec.phases against the model kind; `source` prefixes errors.
  static Result<TaskPlan> build(const RoutingSpec& spec, int initial_experts, int top_k, bool rre,
                                const std::string& source);

  int num_tasks() const { return static_cast<int>(domain_begin_.size()); }
  int final_experts() const { return experts_per_phase_.back(); }
  int num_experts_at(int step) const { return experts_per_phase_[phase_at(step)]; }
  int phase_at(int step) const;
  // Task weights of a phase, [num_tasks] (zeros for tasks not in the mix).
  const std::vector<double>& task_weights(int phase) const { return weights_[phase]; }
  int domain_begin(int task) const { return domain_begin_[task]; }
  int domain_end(int task) const { return domain_end_[task]; }
  // True when some task cannot use every expert (rre or experts added later).
  bool has_restricted_domains() const { return restricted_; }

 private:
  std::vector<int> phase_start_;          // step each phase starts
  std::vector<std::vector<double>> weights_;
  std::vector<int> experts_per_phase_;
  std::vector<int> domain_begin_, domain_end_;
  bool restricted_ = false;
};

}  // namespace moesim::routing
