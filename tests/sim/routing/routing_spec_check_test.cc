// Every validation error names the source and the field.
#include <cmath>
#include <functional>
#include <limits>

#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim {
namespace {

struct BadCase {
  const char* name;
  std::function<void(RoutingSpec*, RoutingContext*)> mutate;
  const char* expected;  // the start of the message, after "scenario.textproto:"
};

TEST(RoutingSpecCheck, EveryErrorNamesItsField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<BadCase> cases = {
      {"unknown model", [](RoutingSpec* s, RoutingContext*) { s->set_model("zipfian"); },
       "routing.model: unknown model \"zipfian\""},
      {"negative zipf", [](RoutingSpec* s, RoutingContext*) { s->set_zipf_exponent(-1); },
       "routing.zipf_exponent: must be >= 0, got -1"},
      {"nan zipf", [nan](RoutingSpec* s, RoutingContext*) { s->set_zipf_exponent(nan); },
       "routing.zipf_exponent: must be >= 0, got nan"},
      {"dirichlet alpha 0", [](RoutingSpec* s, RoutingContext*) { s->set_model("dirichlet"); },
       "routing.dirichlet_alpha: must be > 0, got 0"},
      {"correlation > 1", [](RoutingSpec* s, RoutingContext*) { s->set_correlation(1.5); },
       "routing.correlation: must be >= 0 and <= 1, got 1.5"},
      {"negative drift", [](RoutingSpec* s, RoutingContext*) { s->set_drift_per_step(-0.1); },
       "routing.drift_per_step: must be >= 0"},
      {"unknown balancing", [](RoutingSpec* s, RoutingContext*) { s->set_balancing("loss"); },
       "routing.balancing: unknown balancing \"loss\""},
      {"negative aux", [](RoutingSpec* s, RoutingContext*) { s->set_aux_loss_coef(-1); },
       "routing.aux_loss_coef: must be >= 0"},
      {"nan bias speed", [nan](RoutingSpec* s, RoutingContext*) { s->set_bias_update_speed(nan); },
       "routing.bias_update_speed: must be >= 0"},
      {"inf capacity", [](RoutingSpec* s, RoutingContext*) { s->set_capacity_factor(INFINITY); },
       "routing.capacity_factor: must be >= 0"},
      {"top_k > experts", [](RoutingSpec*, RoutingContext* c) { c->top_k = 17; },
       "routing context.top_k: top_k = 17 exceeds the 16 routed experts"},
      {"no tokens", [](RoutingSpec*, RoutingContext* c) { c->tokens_per_gpu = 0; },
       "routing context.tokens_per_gpu: must be >= 1, got 0"},
      {"topk_group > n_group", [](RoutingSpec* s, RoutingContext*) { s->set_n_group(4); s->set_topk_group(5); },
       "routing.topk_group: topk_group = 5 exceeds n_group = 4"},
      {"n_group does not divide", [](RoutingSpec* s, RoutingContext*) { s->set_n_group(3); s->set_topk_group(2); },
       "routing.n_group: 16 experts do not divide into 3 equal groups"},
      {"too few group experts", [](RoutingSpec* s, RoutingContext*) { s->set_n_group(8); s->set_topk_group(1); },
       "routing.topk_group: 1 groups of 2 experts hold fewer than top_k = 4"},
      {"topk_group without n_group", [](RoutingSpec* s, RoutingContext*) { s->set_topk_group(2); },
       "routing.n_group: topk_group = 2 is set but n_group is 0"},
      {"model's groups", [](RoutingSpec*, RoutingContext* c) { c->n_group = 4; c->topk_group = 0; },
       "routing context.topk_group: must be >= 1"},
      {"too few node experts", [](RoutingSpec* s, RoutingContext* c) { c->num_nodes = 8; s->set_max_nodes_per_token(1); },
       "routing.max_nodes_per_token: 1 nodes x 2 experts per node is fewer than top_k = 4"},
      {"more nodes than exist", [](RoutingSpec* s, RoutingContext* c) { c->num_nodes = 2; s->set_max_nodes_per_token(3); },
       "routing.max_nodes_per_token: 3 exceeds the 2 nodes"},
      {"uneven nodes", [](RoutingSpec* s, RoutingContext* c) { c->num_nodes = 3; s->set_max_nodes_per_token(2); },
       "routing.max_nodes_per_token: 16 experts do not lay out evenly over 3 nodes"},
      {"groups and nodes do not nest", [](RoutingSpec* s, RoutingContext* c) {
         c->num_experts = 24; c->num_nodes = 4; s->set_max_nodes_per_token(2); s->set_n_group(3); s->set_topk_group(2); },
       "routing.max_nodes_per_token: with group-limited routing, groups (8 experts) and nodes (6 experts) must nest"},
      {"trace without file", [](RoutingSpec* s, RoutingContext*) { s->set_model("trace"); },
       "routing.trace_file: model \"trace\" needs a trace file"},
      {"rre without tasks", [](RoutingSpec* s, RoutingContext*) { s->set_model("rre"); },
       "routing.num_tasks: model \"rre\" needs num_tasks >= 1"},
      {"rre groups too small", [](RoutingSpec* s, RoutingContext*) { s->set_model("rre"); s->set_num_tasks(8); },
       "routing.num_tasks: 8 tasks share 16 experts: a task's expert group of 2 is smaller than top_k = 4"},
      {"affinity group too big", [](RoutingSpec* s, RoutingContext*) { s->set_affinity_group_size(17); },
       "routing.affinity_group_size: must be <= num_experts = 16, got 17"},
      {"first phase late", [](RoutingSpec* s, RoutingContext*) { s->add_phases()->set_start_step(3); },
       "routing.phases[0].start_step: the first phase must start at step 0, got 3"},
      {"phases out of order", [](RoutingSpec* s, RoutingContext*) {
         s->add_phases(); s->add_phases()->set_start_step(5); s->add_phases()->set_start_step(5); },
       "routing.phases[2].start_step: phases must start at increasing steps: 5 after 5"},
      {"negative task weight", [](RoutingSpec* s, RoutingContext*) {
         auto* p = s->add_phases(); p->add_task_weights(1); p->add_task_weights(-2); },
       "routing.phases[0].task_weights[1]: must be finite and >= 0"},
      {"zero task weights", [](RoutingSpec* s, RoutingContext*) { s->add_phases()->add_task_weights(0); },
       "routing.phases[0].task_weights: must have a positive sum"},
      {"first phase adds experts", [](RoutingSpec* s, RoutingContext*) { s->add_phases()->set_experts_added(4); },
       "routing.phases[0].experts_added: the first phase cannot add experts"},
      {"experts for no new task", [](RoutingSpec* s, RoutingContext*) {
         s->add_phases()->add_task_weights(1);
         auto* p = s->add_phases(); p->set_start_step(2); p->add_task_weights(1); p->set_experts_added(4); },
       "routing.phases[1].experts_added: adds 4 experts but the phase introduces no new task"},
      {"more task weights than tasks", [](RoutingSpec* s, RoutingContext*) {
         s->set_num_tasks(1); auto* p = s->add_phases(); p->add_task_weights(1); p->add_task_weights(1); },
       "routing.phases[0].task_weights: names 2 tasks but routing.num_tasks is 1"},
      {"limited with rre", [](RoutingSpec* s, RoutingContext*) {
         s->set_model("rre"); s->set_num_tasks(2); s->set_n_group(2); s->set_topk_group(1); },
       "routing.n_group: node- and group-limited routing cannot be combined with per-task expert groups"},
  };
  for (const BadCase& c : cases) {
    RoutingSpec spec;
    RoutingContext ctx = testing::make_context(16, 4, 4, 128);
    c.mutate(&spec, &ctx);
    auto model = make_routing_model(spec, ctx, "scenario.textproto");
    ASSERT_FALSE(model.ok()) << c.name << ": accepted";
    const std::string want = std::string("scenario.textproto:") + c.expected;
    EXPECT_EQ(model.message().rfind(want, 0), 0u) << c.name << ":\n  got:  " << model.message()
                                                  << "\n  want: " << want << "...";
  }
}

TEST(RoutingSpecCheck, ModelTableListsEveryModel) {
  std::vector<std::string> names;
  for (const RoutingModelInfo& m : routing_models()) {
    names.push_back(m.name);
    EXPECT_GT(std::string(m.description).size(), 10u) << m.name;
  }
  const std::vector<std::string> want = {"uniform", "zipf", "dirichlet", "rre", "expert-choice", "trace"};
  EXPECT_EQ(names, want);
  // Every name but "trace" (which needs a file) builds with its minimal settings.
  for (const std::string& n : names) {
    if (n == "trace") continue;
    RoutingSpec spec;
    spec.set_model(n);
    spec.set_dirichlet_alpha(1.0);
    spec.set_num_tasks(2);
    auto model = make_routing_model(spec, testing::make_context(16, 2, 2, 64), "s");
    EXPECT_TRUE(model.ok()) << n << ": " << (model.ok() ? "" : model.message());
  }
}

}  // namespace
}  // namespace moesim
