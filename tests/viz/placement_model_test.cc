#include "viz/placement_model.h"

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

// 2 GPUs x 3 slots: GPU 0 holds experts 0, 1, 2; GPU 1 holds 3, a replica of 0, and nothing.
LayerPlacement layer() {
  LayerPlacement lp;
  for (int e : {0, 1, 2, 3, 0, -1}) lp.add_phy2log(e);
  return lp;
}

TEST(PlacementModel, ReplicaCounts) {
  EXPECT_EQ(replica_counts(layer(), 4), (std::vector<int>{2, 1, 1, 1}));
}

TEST(PlacementModel, SlotLoadsSplitAnExpertOverItsReplicas) {
  // Expert 0 has 100 tokens over 2 replicas: 50 each; the empty slot serves nothing.
  const auto slots = slot_loads(layer(), {100, 50, 30, 20}, 4);
  EXPECT_EQ(slots, (std::vector<double>{50, 50, 30, 20, 50, 0}));
  EXPECT_EQ(gpu_loads(slots, 2, 3), (std::vector<double>{130, 70}));
}

TEST(PlacementModel, SingleEntryAppliesToAllLayers) {
  Placement p;
  *p.add_layers() = layer();
  EXPECT_EQ(placement_for_layer(p, 7), &p.layers(0));
  *p.add_layers() = layer();
  EXPECT_EQ(placement_for_layer(p, 1), &p.layers(1));
  EXPECT_EQ(placement_for_layer(p, 2), nullptr);
  EXPECT_EQ(placement_for_layer(Placement(), 0), nullptr);
}

}  // namespace
}  // namespace moesim::viz
