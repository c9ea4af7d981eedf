// Expert-choice routing.
#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim {
namespace {

// T = 4 x 256 = 1024 tokens, E = 16, k = 2: capacity = 1024 * 2 / 16 = 128 tokens per expert;
// capacity_factor 1.5 -> 192. Loads are equal by construction; rows are increasing ids padded
// with -1; top_k is the widest row.
TEST(ExpertChoice, EveryExpertTakesCapacityTokens) {
  for (double cf : {0.0, 1.5}) {
    const RoutingContext ctx = testing::make_context(16, 2, 4, 1024);
    RoutingSpec spec;
    spec.set_model("expert-choice");
    spec.set_capacity_factor(cf);
    spec.set_sampled_tokens_per_gpu(256);
    auto model = testing::make_model(spec, ctx);
    LayerRouting r;
    model->route(0, 0, &r);
    const int capacity = cf == 0 ? 128 : 192;
    EXPECT_EQ(r.sampled_tokens, 256);
    EXPECT_DOUBLE_EQ(r.token_scale, 4.0);
    EXPECT_DOUBLE_EQ(r.tokens_dropped, 0.0);
    for (double load : testing::expert_load(r)) EXPECT_DOUBLE_EQ(load, capacity * 4.0);
    std::vector<int> per_expert(16, 0);
    int widest = 0;
    for (int64_t t = 0; t < testing::num_tokens(r); ++t) {
      int n = 0, previous = -1;
      bool padding = false;
      for (int j = 0; j < r.top_k; ++j) {
        const int e = r.expert_ids[t * r.top_k + j];
        if (e < 0) {
          padding = true;
          continue;
        }
        ASSERT_FALSE(padding) << "expert after padding, token " << t;
        ASSERT_GT(e, previous) << "token " << t;
        previous = e;
        ++per_expert[e];
        ++n;
      }
      widest = std::max(widest, n);
    }
    EXPECT_EQ(widest, r.top_k);
    for (int c : per_expert) EXPECT_EQ(c, capacity);
  }
}

}  // namespace
}  // namespace moesim
