// Incremental placement of added experts: hand-built tables whose answers follow from the rules
// in sim/study/incremental_placement.h.
#include "sim/study/incremental_placement.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace moesim::study {
namespace {

IncrementalCosts no_moves() { return IncrementalCosts{}; }  // nothing can pay for a move

TEST(IncrementalPlacement, NewExpertsTakeTheNewSlotsAndExistingOnesStay) {
  // 4 GPUs x 2 slots, experts 0..7 contiguous; 4 experts added, 3 slots per GPU now.
  const std::vector<int> old = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<double> loads(12, 10.0);
  auto r = incremental_placement(old, 4, 3, loads, no_moves());
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r->phy2log.size(), 12u);  // 4 GPUs x 3 slots: total slot count respected
  for (int g = 0; g < 4; ++g) {
    EXPECT_EQ(r->phy2log[g * 3 + 0], old[g * 2 + 0]) << "GPU " << g;
    EXPECT_EQ(r->phy2log[g * 3 + 1], old[g * 2 + 1]) << "GPU " << g;
  }
  std::vector<int> added;
  for (int g = 0; g < 4; ++g) added.push_back(r->phy2log[g * 3 + 2]);
  std::sort(added.begin(), added.end());
  EXPECT_EQ(added, (std::vector<int>{8, 9, 10, 11}));  // each new expert exactly once
  EXPECT_EQ(r->new_experts_placed, 4);
  EXPECT_EQ(r->empty_slots, 0);
  EXPECT_EQ(r->swaps, 0);
  EXPECT_DOUBLE_EQ(r->migration_s, 0.0);  // new experts are initialised in place
}

TEST(IncrementalPlacement, NewExpertsGoToTheLeastLoadedGpus) {
  // GPU loads 80, 60, 20, 10 (two experts each). Two new experts of load 20 each; 3 slots per
  // GPU give 4 new slots. Expert 8 first (equal loads: index order): the busiest GPU stays at
  // 80 wherever it goes, so the lightest result wins: GPU 3 (10 + 20 = 30). Expert 9: GPU 2
  // (20 + 20 = 40) beats GPU 3 (30 + 20 = 50). The two slots left stay empty: a replica there
  // would be a copy nobody pays for.
  const std::vector<int> old = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<double> loads = {40, 40, 30, 30, 10, 10, 5, 5, 20, 20};
  auto r = incremental_placement(old, 4, 3, loads, no_moves());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->phy2log, (std::vector<int>{0, 1, -1, 2, 3, -1, 4, 5, 9, 6, 7, 8}));
  EXPECT_EQ(r->empty_slots, 2);
  EXPECT_DOUBLE_EQ(r->max_load, 80.0);
}

TEST(IncrementalPlacement, ANewExpertTakesARedundantSlotWhenNoSlotIsFree) {
  // 2 GPUs x 3 slots [0 1 2 | 3 0 1]: experts 0 and 1 have two replicas. Loads 40, 20, 10, 10
  // and the new expert 4 has 10. Giving up a replica of 0 leaves its 40 on one GPU (max 60);
  // giving up a replica of 1 gives a maximum of 50 either way:
  //   slot 1 (GPU 0's copy of 1): GPU 0 = 20 + 10 + 10 = 40, GPU 1 = 10 + 20 + 20 = 50;
  //   slot 5 (GPU 1's copy of 1): GPU 0 = 20 + 20 + 10 = 50, GPU 1 = 10 + 20 + 10 = 40.
  // Tie on the maximum and on the chosen GPU's load (40): the lower slot, 1.
  const std::vector<int> old = {0, 1, 2, 3, 0, 1};
  const std::vector<double> loads = {40, 20, 10, 10, 10};
  auto r = incremental_placement(old, 2, 3, loads, no_moves());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->phy2log, (std::vector<int>{0, 4, 2, 3, 0, 1}));
  EXPECT_EQ(r->replicas_evicted, 1);
  EXPECT_DOUBLE_EQ(r->max_load, 50.0);
}

TEST(IncrementalPlacement, NoFreeOrRedundantSlotIsAnError) {
  const std::vector<int> old = {0, 1, 2, 3};
  const std::vector<double> loads = {1, 1, 1, 1, 1};
  auto r = incremental_placement(old, 2, 2, loads, no_moves());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("new expert 4"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("3 slots per GPU"), std::string::npos) << r.message();
}

TEST(IncrementalPlacement, ExistingExpertsMoveOnlyWhenTheMovePaysForItself) {
  // [0 1 | 2 3] with loads 100, 100, 10, 10: GPU 0 carries 200, GPU 1 20. Swapping one heavy
  // and one light expert gives 110 / 110: 90 assignments less on the busiest GPU per step.
  // It costs one copy into each GPU: migration = 1 x seconds_per_expert_move.
  const std::vector<int> old = {0, 1, 2, 3};
  const std::vector<double> loads = {100, 100, 10, 10};
  // Cheap: 90 x 1 ms x 100 steps = 9 s saved against 1 ms of migration -> one swap.
  auto cheap = incremental_placement(old, 2, 2, loads, IncrementalCosts{1e-3, 1e-3, 100});
  ASSERT_TRUE(cheap.ok()) << cheap.message();
  EXPECT_EQ(cheap->swaps, 1);
  EXPECT_DOUBLE_EQ(cheap->max_load, 110.0);
  EXPECT_DOUBLE_EQ(cheap->migration_s, 1e-3);
  for (int g = 0; g < 2; ++g) {
    const int a = cheap->phy2log[g * 2], b = cheap->phy2log[g * 2 + 1];
    EXPECT_EQ((a <= 1) + (b <= 1), 1) << "GPU " << g << " should hold one heavy and one light expert";
  }
  // Expensive: 9 s saved against 100 s of migration -> nothing moves.
  auto dear = incremental_placement(old, 2, 2, loads, IncrementalCosts{1e-3, 100, 100});
  ASSERT_TRUE(dear.ok());
  EXPECT_EQ(dear->phy2log, old);
  EXPECT_EQ(dear->swaps, 0);
  // No steps left to earn it back -> nothing moves either.
  auto none = incremental_placement(old, 2, 2, loads, IncrementalCosts{1e-3, 1e-3, 0});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->phy2log, old);
}

TEST(IncrementalPlacement, AFreeSlotGetsAReplicaOnlyIfItPays) {
  // 2 GPUs x 1 slot [0 | 1] grown to 2 slots, no new expert; loads 100 and 10.
  //  - A replica of 0 on GPU 1 halves it: GPU 0 = 50, GPU 1 = 60, the maximum drops from 100
  //    to 60: 40 x 1 ms x 10 steps = 0.4 s saved for one copy into GPU 1 (1 ms): it pays.
  //  - Then a replica of 1 on GPU 0: 55 / 55, 5 x 1 ms x 10 = 0.05 s saved; GPU 0 receiving one
  //    copy does not raise the estimate (the most copies any GPU receives stays 1): it pays.
  const std::vector<int> old = {0, 1};
  const std::vector<double> loads = {100, 10};
  auto cheap = incremental_placement(old, 2, 2, loads, IncrementalCosts{1e-3, 1e-3, 10});
  ASSERT_TRUE(cheap.ok()) << cheap.message();
  EXPECT_EQ(cheap->phy2log, (std::vector<int>{0, 1, 1, 0}));  // existing experts keep slot 0 of their GPU
  EXPECT_EQ(cheap->replicas_added, 2);
  EXPECT_DOUBLE_EQ(cheap->max_load, 55.0);
  EXPECT_DOUBLE_EQ(cheap->migration_s, 1e-3);
  // A copy costing 1 s against 0.4 s saved: the slots stay empty.
  auto dear = incremental_placement(old, 2, 2, loads, IncrementalCosts{1e-3, 1.0, 10});
  ASSERT_TRUE(dear.ok());
  EXPECT_EQ(dear->replicas_added, 0);
  EXPECT_EQ(dear->empty_slots, 2);
  EXPECT_EQ(dear->phy2log, (std::vector<int>{0, -1, 1, -1}));
}

TEST(IncrementalPlacement, ShapeErrors) {
  const std::vector<double> loads = {1, 1, 1};
  EXPECT_FALSE(incremental_placement(std::vector<int>{0, 1, 2}, 2, 2, loads, no_moves()).ok());  // 3 slots over 2 GPUs
  EXPECT_FALSE(incremental_placement(std::vector<int>{0, 1, 2, 0}, 2, 1, loads, no_moves()).ok());  // fewer slots than before
  EXPECT_FALSE(incremental_placement(std::vector<int>{0, 1, 2, 5}, 2, 2, loads, no_moves()).ok());  // expert 5 has no load
}

}  // namespace
}  // namespace moesim::study
