// PanGu-Sigma Random Routed Experts and continual-learning phases.
#include <cmath>
#include <tuple>

#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim {
namespace {

using testing::expert_load;
using testing::make_context;
using testing::make_model;

RoutingSpec::Phase* add_phase(RoutingSpec* spec, int start, std::vector<double> weights, int added = 0) {
  RoutingSpec::Phase* p = spec->add_phases();
  p->set_start_step(start);
  for (double w : weights) p->add_task_weights(w);
  p->set_experts_added(added);
  return p;
}

// The group (by the near-equal contiguous split) of expert e among `tasks` groups of E experts.
int rre_group(int e, int experts, int tasks) {
  for (int g = 0; g < tasks; ++g)
    if (e < static_cast<int64_t>(g + 1) * experts / tasks) return g;
  return -1;
}

// RRE: every token's experts lie in one task group; groups [0,7) [7,15) [15,22) [22,30) for 30
// experts and 4 tasks; within a group, uniform.
TEST(Rre, TokensStayInTheirTaskGroup) {
  const RoutingContext ctx = make_context(30, 2, 8, 512);
  RoutingSpec spec;
  spec.set_model("rre");
  spec.set_num_tasks(4);
  auto model = make_model(spec, ctx);
  LayerRouting r;
  model->route(0, 0, &r);
  testing::expect_distinct_valid(r, 2);
  for (int64_t t = 0; t < testing::num_tokens(r); ++t) {
    const std::vector<int> ex = testing::token_experts(r, t);
    ASSERT_EQ(rre_group(ex[0], 30, 4), rre_group(ex[1], 30, 4)) << "token " << t;
  }
  // Each task has weight 1/4 and its group is uniform: expert e's load is Binomial(N, p) with
  // p = (1/4) * k / |group| and mean N p, so sd <= sqrt(mean); bound 5 sqrt(mean).
  const std::vector<double> load = expert_load(r);
  for (int e = 0; e < 30; ++e) {
    const int size = e < 7 || (e >= 15 && e < 22) ? 7 : 8;
    const double mean = 4096.0 * 2 / 4 / size;
    EXPECT_NEAR(load[e], mean, 5 * std::sqrt(mean)) << "expert " << e;
  }
}

// Tokens of task t only hit its group: a phase that gives all weight to task 2 (of 4, 32
// experts) sends every assignment to [16, 24); the next phase, task 0 only, to [0, 8).
TEST(Rre, TaskOnlyHitsItsGroup) {
  const RoutingContext ctx = make_context(32, 2, 4, 256);
  RoutingSpec spec;
  spec.set_model("rre");
  spec.set_num_tasks(4);
  add_phase(&spec, 0, {0, 0, 1, 0});
  add_phase(&spec, 5, {1, 0, 0, 0});
  auto model = make_model(spec, ctx);
  for (auto [step, lo, hi] : {std::tuple{0, 16, 24}, std::tuple{4, 16, 24}, std::tuple{5, 0, 8}}) {
    LayerRouting r;
    model->route(step, 0, &r);
    for (int32_t e : r.expert_ids) ASSERT_TRUE(e >= lo && e < hi) << "step " << step << ": " << e;
  }
}

// Continual learning: at the phase step the expert count grows, the new experts take the new
// task's traffic and only it; the old task keeps to the old experts.
TEST(Continual, ExpertCountGrowsAtThePhaseStep) {
  const RoutingContext ctx = make_context(16, 2, 8, 512);
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  add_phase(&spec, 0, {1});
  add_phase(&spec, 10, {1, 1}, 8);
  auto model = make_model(spec, ctx);
  EXPECT_EQ(model->num_experts_at(0), 16);
  EXPECT_EQ(model->num_experts_at(9), 16);
  EXPECT_EQ(model->num_experts_at(10), 24);
  EXPECT_EQ(model->num_experts_at(1000), 24);
  LayerRouting r;
  model->route(9, 0, &r);
  EXPECT_EQ(r.num_experts, 16);
  EXPECT_EQ(r.counts.size(), 8u * 16);
  model->route(10, 0, &r);
  EXPECT_EQ(r.num_experts, 24);
  EXPECT_EQ(r.counts.size(), 8u * 24);
  testing::expect_distinct_valid(r, 2);
  // A token is either all-old (task 0) or all-new (task 1); the new task has weight 1/2:
  // the number of new-expert tokens is Binomial(4096, 1/2), sd 32, bound 5 sd.
  int64_t new_tokens = 0;
  for (int64_t t = 0; t < testing::num_tokens(r); ++t) {
    const std::vector<int> ex = testing::token_experts(r, t);
    const bool first_new = ex[0] >= 16;
    ASSERT_EQ(first_new, ex[1] >= 16) << "token " << t << " mixes old and new experts";
    new_tokens += first_new;
  }
  EXPECT_NEAR(new_tokens, 2048, 5 * 32);
}

// RRE with continual learning: the added experts form the new task's group.
TEST(Continual, RreNewTaskGetsTheAddedExperts) {
  const RoutingContext ctx = make_context(16, 2, 4, 256);
  RoutingSpec spec;
  spec.set_model("rre");
  add_phase(&spec, 0, {1, 1});
  add_phase(&spec, 3, {0, 0, 1}, 8);
  auto model = make_model(spec, ctx);
  LayerRouting r;
  model->route(2, 0, &r);
  for (int32_t e : r.expert_ids) ASSERT_LT(e, 16);
  model->route(3, 0, &r);
  EXPECT_EQ(r.num_experts, 24);
  for (int32_t e : r.expert_ids) ASSERT_TRUE(e >= 16 && e < 24) << e;
}

}  // namespace
}  // namespace moesim
