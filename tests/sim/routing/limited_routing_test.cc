// Node- and group-limited routing (DeepSeek-V3).
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim {
namespace {

using testing::expert_load;
using testing::make_context;
using testing::make_model;

// Distinct parts (expert e is in part e / part_size) a token's experts touch, max over tokens.
int max_parts_per_token(const LayerRouting& r, int part_size) {
  int worst = 0;
  for (int64_t t = 0; t < testing::num_tokens(r); ++t) {
    std::set<int> parts;
    for (int e : testing::token_experts(r, t)) parts.insert(e / part_size);
    worst = std::max(worst, static_cast<int>(parts.size()));
  }
  return worst;
}

TEST(LimitedRouting, NodeLimitedTokensTouchAtMostMNodes) {
  RoutingContext ctx = make_context(64, 8, 8, 256);
  ctx.num_nodes = 8;  // 8 experts per node
  for (int m : {1, 2, 3}) {
    RoutingSpec spec;
    spec.set_model("zipf");
    spec.set_zipf_exponent(0.8);
    spec.set_correlation(0.5);
    spec.set_max_nodes_per_token(m);
    auto model = make_model(spec, ctx);
    LayerRouting r;
    model->route(0, 0, &r);
    testing::expect_distinct_valid(r, 8);
    EXPECT_LE(max_parts_per_token(r, 8), m) << "M = " << m;
    if (m > 1) {
      EXPECT_EQ(max_parts_per_token(r, 8), m) << "the limit should bind for M = " << m;
    }
  }
}

TEST(LimitedRouting, GroupLimitedTokensTouchAtMostTopkGroupGroups) {
  RoutingContext ctx = make_context(64, 6, 8, 256);
  RoutingSpec spec;
  spec.set_model("dirichlet");
  spec.set_dirichlet_alpha(0.5);
  spec.set_n_group(8);
  spec.set_topk_group(3);
  auto model = make_model(spec, ctx);
  LayerRouting r;
  model->route(0, 1, &r);
  testing::expect_distinct_valid(r, 6);
  EXPECT_LE(max_parts_per_token(r, 8), 3);
  // The model's n_group / topk_group apply when the spec leaves them 0.
  ctx.n_group = 4;
  ctx.topk_group = 1;
  auto from_model = make_model(RoutingSpec(), ctx);
  from_model->route(0, 0, &r);
  EXPECT_EQ(max_parts_per_token(r, 16), 1);
}

// DeepSeek-V3 shape: 256 experts in 8 groups (topk_group 4) on 8 nodes (max 4), top-8; and a
// nested case where nodes hold several groups.
TEST(LimitedRouting, GroupsAndNodesTogether) {
  RoutingContext ctx = make_context(256, 8, 16, 128);
  ctx.num_nodes = 8;
  ctx.n_group = 8;
  ctx.topk_group = 4;
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  spec.set_max_nodes_per_token(4);
  spec.set_balancing("bias");
  spec.set_bias_update_speed(0.001);
  auto model = make_model(spec, ctx);
  LayerRouting r;
  model->route(0, 0, &r);
  testing::expect_distinct_valid(r, 8);
  EXPECT_LE(max_parts_per_token(r, 32), 4);

  RoutingContext nested = make_context(64, 4, 8, 256);
  nested.num_nodes = 4;  // 16 experts per node = 4 groups of 4
  RoutingSpec s2;
  s2.set_model("uniform");
  s2.set_n_group(16);
  s2.set_topk_group(4);
  s2.set_max_nodes_per_token(2);
  auto m2 = make_model(s2, nested);
  m2->route(0, 0, &r);
  testing::expect_distinct_valid(r, 4);
  EXPECT_LE(max_parts_per_token(r, 4), 4);
  EXPECT_LE(max_parts_per_token(r, 16), 2);
}

// M = 1, top-1: the node holding the best-scoring expert has the best node score (its top-1
// score), so node-limited top-1 is the unconstrained top-1: the hottest Zipf expert's share is
// still 1 / H_{E,s} (bound 5 sd as in token_choice_test). This checks the lazy race across
// nodes reproduces the exact Plackett-Luce law.
TEST(LimitedRouting, NodeLimitedTop1KeepsThePopularityLaw) {
  RoutingContext ctx = make_context(32, 1, 8, 1024);
  ctx.num_nodes = 4;
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  spec.set_sampled_tokens_per_gpu(1024);
  spec.set_max_nodes_per_token(1);
  auto model = make_model(spec, ctx);
  LayerRouting r;
  model->route(0, 0, &r);
  const std::vector<double> load = expert_load(r);
  double h = 0;
  for (int i = 1; i <= 32; ++i) h += 1.0 / i;
  const double p1 = 1.0 / h, sd = std::sqrt(p1 * (1 - p1) / 8192.0);
  EXPECT_NEAR(*std::max_element(load.begin(), load.end()) / 8192.0, p1, 5 * sd);
}

// With topk_group = n_group no group is excluded: the merged per-group races must give the
// same law as the single race. Per-expert loads of the two models (independent streams) are
// sums of N = 8192 independent token indicators each, variance <= N/4, so their difference has
// sd <= sqrt(N / 2) = 64; bound 5 sd. (Expected loads range from ~200 to ~4900, so a wrong
// law shows.)
TEST(LimitedRouting, AllGroupsAllowedMatchesUnconstrained) {
  RoutingContext ctx = make_context(32, 3, 8, 1024);
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.2);
  spec.set_sampled_tokens_per_gpu(1024);
  auto plain = make_model(spec, ctx);
  spec.set_n_group(4);
  spec.set_topk_group(4);
  auto grouped = make_model(spec, ctx);
  LayerRouting a, b;
  plain->route(0, 0, &a);
  grouped->route(1, 0, &b);  // another step: independent token streams, same popularity
  const std::vector<double> la = expert_load(a), lb = expert_load(b);
  const double sd = std::sqrt(8192 / 2.0);
  for (int e = 0; e < 32; ++e) EXPECT_NEAR(la[e], lb[e], 5 * sd) << "expert " << e;
}

}  // namespace
}  // namespace moesim
