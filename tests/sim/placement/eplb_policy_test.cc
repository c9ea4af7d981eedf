// EPLB parity: the example published in github.com/deepseek-ai/EPLB's README, and small cases
// whose EPLB result is worked out by hand from the algorithm's definition.
#include "sim/placement/eplb_policy.h"

#include <gtest/gtest.h>

#include "sim/placement/packing.h"
#include "sim/placement/placement_metrics.h"
#include "sim/placement/replication.h"

namespace moesim::placement {
namespace {

LayerProblem problem(const std::vector<double>& loads, int physical, int groups, int nodes, int gpus) {
  LayerProblem p;
  p.loads = loads;
  p.num_physical = physical;
  p.num_groups = groups;
  p.num_nodes = nodes;
  p.num_gpus = gpus;
  return p;
}

// README: weight [2][12], num_replicas 16, num_groups 4, num_nodes 2, num_gpus 8.
const std::vector<std::vector<double>> kReadmeWeight = {
    {90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86},
    {20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27},
};
// The README's printed phy2log.
const std::vector<std::vector<int>> kReadmePhy2Log = {
    {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1},
    {7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1},
};

TEST(EplbReadme, Phy2LogMatchesPublishedOutput) {
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(eplb_place(problem(kReadmeWeight[l], 16, 4, 2, 8)), kReadmePhy2Log[l]) << "layer " << l;
  }
}

TEST(EplbReadme, ReplicaCountsAndGpuLoads) {
  // logcnt counted from the published phy2log.
  const std::vector<std::vector<int>> logcnt_expected = {
      {1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1},
      {1, 2, 1, 1, 1, 2, 2, 1, 2, 1, 1, 1},
  };
  // Per GPU (2 slots each), each expert's load split over its replicas. Layer 0:
  //   GPU0 5,6: 165/2 + 39 = 121.5   GPU1 5,7: 82.5 + 4 = 86.5    GPU2 8,4: 73 + 104/2 = 125
  //   GPU3 3,4: 61 + 52 = 113        GPU4 10,9: 183/2 + 56 = 147.5 GPU5 10,2: 91.5 + 40 = 131.5
  //   GPU6 0,1: 90 + 132/2 = 156     GPU7 11,1: 86 + 66 = 152      (sum 1033 = total load)
  // Layer 1:
  //   GPU0 7,10: 157 + 16 = 173      GPU1 6,8: 187/2 + 172/2 = 179.5  GPU2 6,11: 93.5 + 27 = 120.5
  //   GPU3 8,9: 86 + 86 = 172        GPU4 2,4: 104 + 19 = 123         GPU5 5,1: 197/2 + 107/2 = 152
  //   GPU6 5,0: 98.5 + 20 = 118.5    GPU7 3,1: 64 + 53.5 = 117.5      (sum 1156)
  const std::vector<std::vector<double>> gpu_expected = {
      {121.5, 86.5, 125, 113, 147.5, 131.5, 156, 152},
      {173, 179.5, 120.5, 172, 123, 152, 118.5, 117.5},
  };
  for (size_t l = 0; l < 2; ++l) {
    const Phy2Log m = eplb_place(problem(kReadmeWeight[l], 16, 4, 2, 8));
    EXPECT_EQ(logcnt(m, 12), logcnt_expected[l]) << "layer " << l;
    const auto g = gpu_load(kReadmeWeight[l], m, 8);
    ASSERT_EQ(g.size(), 8u);
    for (size_t k = 0; k < 8; ++k) EXPECT_DOUBLE_EQ(g[k], gpu_expected[l][k]) << "layer " << l << " GPU " << k;
  }
  EXPECT_DOUBLE_EQ(imbalance(gpu_expected[0]), 156 / (1033.0 / 8));
}

TEST(EplbPolicyTest, GlobalModeByHand) {
  // loads [10,1,1,1], 6 slots on 2 GPUs, groups 1 % nodes 2 != 0 -> global.
  // Replication: both redundant slots go to expert 0 (10 > 1, then 5 > 1): phy order
  // [0,1,2,3,0,0], weights [10/3,1,1,1,10/3,10/3]. Packing (3 per GPU), heaviest first with
  // index order on ties: phy0->GPU0, phy4->GPU1, phy5->GPU0 (tie, lower index),
  // phy1->GPU1, phy2->GPU1 (now full), phy3->GPU0.
  const std::vector<double> w = {10, 1, 1, 1};
  const Phy2Log m = eplb_place(problem(w, 6, 1, 2, 2));
  EXPECT_EQ(m, (Phy2Log{0, 0, 3, 0, 1, 2}));
  const auto g = gpu_load(w, m, 2);
  EXPECT_DOUBLE_EQ(g[0], 20.0 / 3 + 1);
  EXPECT_DOUBLE_EQ(g[1], 10.0 / 3 + 2);
}

TEST(EplbPolicyTest, BalancedPackingOneItemPerPackIsIdentity) {
  // EPLB returns pack i for item i when each pack takes one item, whatever the weights.
  const auto a = eplb_balanced_packing(std::vector<double>{1, 5, 3}, 3);
  EXPECT_EQ(a.pack, (std::vector<int>{0, 1, 2}));
}

TEST(EplbPolicyTest, ReplicateTiesGoToLowerIndex) {
  // Equal loads: the first maximal index wins each time (torch.max semantics).
  const auto r = eplb_replicate(std::vector<double>{4, 4, 4}, 5);
  EXPECT_EQ(r.phy2log, (std::vector<int>{0, 1, 2, 0, 1}));
  EXPECT_EQ(r.rank, (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_EQ(r.logcnt, (std::vector<int>{2, 2, 1}));
}

TEST(EplbPolicyTest, OneCopyViolationIsAnError) {
  const std::vector<double> loads = {10, 1, 1, 1};  // outlives p, whose loads is a span
  LayerProblem p = problem(loads, 6, 1, 1, 2);
  p.one_copy_per_gpu = true;
  auto r = EplbPolicy().place(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("one-copy"), std::string::npos) << r.message();
}

}  // namespace
}  // namespace moesim::placement
