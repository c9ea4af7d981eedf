#include "viz/traffic_model.h"

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

TEST(AggregateByNode, SumsBlocks) {
  // 4 GPUs on 2 hosts; entry (s, d) = 10 s + d.
  std::vector<double> m(16);
  for (int s = 0; s < 4; ++s) {
    for (int d = 0; d < 4; ++d) m[s * 4 + d] = 10 * s + d;
  }
  const SquareMatrix n = aggregate_by_node(m, 4, {0, 0, 1, 1});
  ASSERT_EQ(n.n, 2);
  EXPECT_DOUBLE_EQ(n.at(0, 0), 0 + 1 + 10 + 11);
  EXPECT_DOUBLE_EQ(n.at(0, 1), 2 + 3 + 12 + 13);
  EXPECT_DOUBLE_EQ(n.at(1, 0), 20 + 21 + 30 + 31);
  EXPECT_DOUBLE_EQ(n.at(1, 1), 22 + 23 + 32 + 33);
  EXPECT_DOUBLE_EQ(n.max(), 110);
}

ExpertLoadTrace two_rank_trace() {
  // 1 step, 2 ranks, 1 layer, 4 experts: rank 0 sends 1,2,3,4 and rank 1 sends 10,20,30,40.
  ExpertLoadTrace t;
  t.set_num_steps(1);
  t.set_num_layers(1);
  t.set_num_experts(4);
  t.set_num_ranks(2);
  for (double v : {1, 2, 3, 4, 10, 20, 30, 40}) t.add_rank_counts(v);
  for (double v : {11, 22, 33, 44}) t.add_counts(v);
  return t;
}

TEST(RankTraffic, ContiguousExpertsPerRank) {
  // Experts 0, 1 on rank 0 and 2, 3 on rank 1.
  const SquareMatrix m = rank_traffic(two_rank_trace(), 0, 0);
  ASSERT_EQ(m.n, 2);
  EXPECT_DOUBLE_EQ(m.at(0, 0), 3);
  EXPECT_DOUBLE_EQ(m.at(0, 1), 7);
  EXPECT_DOUBLE_EQ(m.at(1, 0), 30);
  EXPECT_DOUBLE_EQ(m.at(1, 1), 70);
}

TEST(RankTraffic, NeedsPerRankCountsAndDivisibleExperts) {
  ExpertLoadTrace t = two_rank_trace();
  EXPECT_TRUE(trace_has_rank_traffic(t));
  t.set_num_ranks(3);
  EXPECT_FALSE(trace_has_rank_traffic(t));  // 4 experts do not split over 3 ranks
  t = two_rank_trace();
  t.clear_rank_counts();
  EXPECT_FALSE(trace_has_rank_traffic(t));
  EXPECT_EQ(rank_traffic(t, 0, 0).n, 0);
}

}  // namespace
}  // namespace moesim::viz
