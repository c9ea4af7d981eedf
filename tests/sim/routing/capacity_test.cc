#include "sim/routing/capacity.h"

#include <vector>

#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim::routing {
namespace {

TEST(Capacity, FormulaRoundsUp) {
  EXPECT_EQ(expert_capacity(1.25, 8, 2, 4), 5);   // 1.25*8*2/4 = 5 exactly: not 6
  EXPECT_EQ(expert_capacity(1.0, 7, 1, 2), 4);    // 3.5 -> 4
  EXPECT_EQ(expert_capacity(0.5, 6, 2, 3), 2);    // 2
  EXPECT_EQ(expert_capacity(1.1, 10, 1, 10), 2);  // 1.1 -> 2
}

// Hand-computed: 6 tokens, top-2, 3 experts, capacity 2, first come first served in token
// order, a token's first choice before its second.
//   t0 {0,1}: both kept            (e0=1, e1=1)
//   t1 {0,2}: both kept            (e0=2, e2=1)
//   t2 {0,1}: 0 dropped, 1 kept    (e1=2)
//   t3 {1,0}: both dropped
//   t4 {2,1}: 2 kept (e2=2), 1 dropped
//   t5 {0,2}: both dropped          -> 6 dropped, 6 kept = 3 experts x capacity 2
TEST(Capacity, HandComputedDrops) {
  std::vector<int32_t> ids = {0, 1, 0, 2, 0, 1, 1, 0, 2, 1, 0, 2};
  std::vector<int64_t> scratch(3);
  const int64_t dropped = apply_capacity(2, 6, 2, 3, ids.data(), scratch.data());
  EXPECT_EQ(dropped, 6);
  const std::vector<int32_t> want = {0, 1, 0, 2, -1, 1, -1, -1, 2, -1, -1, -1};
  EXPECT_EQ(ids, want);
}

// In the model, capacity only post-processes the sampled choices: with the same seed the run
// with a capacity factor keeps the same ids except for drops, and an expert drops exactly
// max(0, demand - capacity) assignments — its demand beyond the first `capacity` arrivals.
TEST(Capacity, ModelDropsExactlyTheOverflow) {
  RoutingContext ctx = testing::make_context(16, 2, 8, 2048);  // 512 sampled -> scale 4
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.2);
  auto free_model = testing::make_model(spec, ctx);
  spec.set_capacity_factor(1.0);
  auto capped_model = testing::make_model(spec, ctx);
  LayerRouting free_r, capped_r;
  free_model->route(0, 1, &free_r);
  capped_model->route(0, 1, &capped_r);
  ASSERT_EQ(free_r.expert_ids.size(), capped_r.expert_ids.size());
  const int64_t capacity = expert_capacity(1.0, 8 * 512, 2, 16);  // = 512
  ASSERT_EQ(capacity, 512);
  std::vector<int64_t> demand(16, 0), kept(16, 0);
  for (size_t i = 0; i < free_r.expert_ids.size(); ++i) {
    ++demand[free_r.expert_ids[i]];
    if (capped_r.expert_ids[i] >= 0) {
      EXPECT_EQ(capped_r.expert_ids[i], free_r.expert_ids[i]);
      ++kept[capped_r.expert_ids[i]];
    }
  }
  int64_t want_dropped = 0;
  for (int e = 0; e < 16; ++e) {
    want_dropped += std::max<int64_t>(0, demand[e] - capacity);
    EXPECT_EQ(kept[e], std::min(demand[e], capacity)) << "expert " << e;
  }
  EXPECT_GT(want_dropped, 0) << "the test needs a skewed load that overflows";
  EXPECT_DOUBLE_EQ(capped_r.tokens_dropped, 4.0 * static_cast<double>(want_dropped));
  EXPECT_DOUBLE_EQ(free_r.tokens_dropped, 0.0);
  // Counts hold the kept assignments, scaled.
  const std::vector<double> load = testing::expert_load(capped_r);
  for (int e = 0; e < 16; ++e) EXPECT_DOUBLE_EQ(load[e], 4.0 * static_cast<double>(kept[e]));
}

}  // namespace
}  // namespace moesim::routing
