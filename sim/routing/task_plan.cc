#include "sim/routing/task_plan.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace moesim::routing {
namespace {

std::string phase_field(int p, const char* field) {
  return "routing.phases[" + std::to_string(p) + "]." + field;
}

}  // namespace

int TaskPlan::phase_at(int step) const {
  // Last phase starting at or before `step` (phase 0 starts at 0).
  auto it = std::upper_bound(phase_start_.begin(), phase_start_.end(), step);
  return static_cast<int>(it - phase_start_.begin()) - 1;
}

Result<TaskPlan> TaskPlan::build(const RoutingSpec& spec, int initial_experts, int top_k, bool rre,
                                 const std::string& source) {
  TaskPlan plan;
  const int num_phases = spec.phases_size();
  int num_tasks = static_cast<int>(spec.num_tasks());
  for (int p = 0; p < num_phases; ++p) {
    const int n = spec.phases(p).task_weights_size();
    if (spec.num_tasks() > 0 && n > num_tasks) {
      return make_error(source, phase_field(p, "task_weights"),
                        "names " + std::to_string(n) + " tasks but routing.num_tasks is " +
                            std::to_string(num_tasks));
    }
    num_tasks = std::max(num_tasks, n);
  }
  if (num_tasks == 0) num_tasks = 1;

  // Phases (a default single phase with equal weights when none are given).
  if (num_phases == 0) {
    plan.phase_start_ = {0};
    plan.weights_ = {std::vector<double>(num_tasks, 1.0)};
    plan.experts_per_phase_ = {initial_experts};
  } else {
    int experts = initial_experts;
    for (int p = 0; p < num_phases; ++p) {
      const RoutingSpec::Phase& ph = spec.phases(p);
      const int start = static_cast<int>(ph.start_step());
      if (p == 0 && start != 0) {
        return make_error(source, phase_field(p, "start_step"),
                          "the first phase must start at step 0, got " + std::to_string(start));
      }
      if (p > 0 && start <= plan.phase_start_.back()) {
        return make_error(source, phase_field(p, "start_step"),
                          "phases must start at increasing steps: " + std::to_string(start) +
                              " after " + std::to_string(plan.phase_start_.back()));
      }
      if (p == 0 && ph.experts_added() != 0) {
        return make_error(source, phase_field(p, "experts_added"),
                          "the first phase cannot add experts (the model's experts are the "
                          "initial ones), got " + std::to_string(ph.experts_added()));
      }
      std::vector<double> w(num_tasks, 0.0);
      double sum = 0;
      for (int t = 0; t < ph.task_weights_size(); ++t) {
        const double v = ph.task_weights(t);
        if (!std::isfinite(v) || v < 0) {
          return make_error(source, phase_field(p, "task_weights") + "[" + std::to_string(t) + "]",
                            "must be finite and >= 0, got " + std::to_string(v));
        }
        w[t] = v;
        sum += v;
      }
      if (ph.task_weights_size() == 0) {
        std::fill(w.begin(), w.end(), 1.0);
        sum = num_tasks;
      }
      if (!(sum > 0)) {
        return make_error(source, phase_field(p, "task_weights"), "must have a positive sum");
      }
      if (ph.experts_added() > 1000000) {
        return make_error(source, phase_field(p, "experts_added"),
                          "at most 1000000, got " + std::to_string(ph.experts_added()));
      }
      experts += static_cast<int>(ph.experts_added());
      plan.phase_start_.push_back(start);
      plan.weights_.push_back(std::move(w));
      plan.experts_per_phase_.push_back(experts);
    }
  }

  // Domains: contiguous ranges, assigned to the tasks new in each phase.
  plan.domain_begin_.assign(num_tasks, -1);
  plan.domain_end_.assign(num_tasks, -1);
  for (size_t p = 0; p < plan.weights_.size(); ++p) {
    std::vector<int> fresh;
    // New here: tasks this phase's weight list is the first to include (even at weight 0).
    int listed = num_tasks;
    if (num_phases > 0 && spec.phases(static_cast<int>(p)).task_weights_size() > 0)
      listed = spec.phases(static_cast<int>(p)).task_weights_size();
    for (int t = 0; t < listed; ++t)
      if (plan.domain_begin_[t] < 0) fresh.push_back(t);
    const int before = p == 0 ? 0 : plan.experts_per_phase_[p - 1];
    const int added = plan.experts_per_phase_[p] - before;
    const bool split = (p == 0 && rre) || (p > 0 && added > 0);
    const std::string where = num_phases == 0 ? std::string("routing.num_tasks")
                                              : phase_field(static_cast<int>(p), "task_weights");
    if (p > 0 && added > 0 && fresh.empty()) {
      return make_error(source, phase_field(static_cast<int>(p), "experts_added"),
                        "adds " + std::to_string(added) +
                            " experts but the phase introduces no new task to route to them");
    }
    if (p > 0 && added == 0 && rre && !fresh.empty()) {
      return make_error(source, phase_field(static_cast<int>(p), "experts_added"),
                        "rre: a phase that introduces new tasks must add experts for their groups");
    }
    if (fresh.empty()) continue;
    if (!split) {
      for (int t : fresh) plan.domain_begin_[t] = 0, plan.domain_end_[t] = plan.experts_per_phase_[p];
      continue;
    }
    const int n = static_cast<int>(fresh.size());
    const int pool = p == 0 ? plan.experts_per_phase_[0] : added;
    const int smallest = pool / n;
    if (smallest < top_k) {
      return make_error(source, where,
                        std::to_string(n) + " tasks share " + std::to_string(pool) +
                            " experts: a task's expert group of " + std::to_string(smallest) +
                            " is smaller than top_k = " + std::to_string(top_k));
    }
    // Near-equal contiguous split: task i gets [before + floor(i*pool/n), before + floor((i+1)*pool/n)).
    for (int i = 0; i < n; ++i) {
      plan.domain_begin_[fresh[i]] = before + static_cast<int>(static_cast<int64_t>(i) * pool / n);
      plan.domain_end_[fresh[i]] = before + static_cast<int>(static_cast<int64_t>(i + 1) * pool / n);
    }
  }
  for (int t = 0; t < num_tasks; ++t) {
    if (plan.domain_begin_[t] < 0) {  // never given weight: harmless, give it the initial experts
      plan.domain_begin_[t] = 0;
      plan.domain_end_[t] = initial_experts;
    }
    if (plan.domain_begin_[t] != 0 || plan.domain_end_[t] != plan.final_experts()) plan.restricted_ = true;
  }
  return plan;
}

}  // namespace moesim::routing
