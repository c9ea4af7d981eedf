#include "viz/topology_layout.h"

#include <gtest/gtest.h>

#include "tests/viz/synthetic_result.h"

namespace moesim::viz {
namespace {

// The synthetic graph: 2 nodes x 4 GPUs (tier 0), per node an NVSwitch and 4 NICs (tier 1),
// 4 leaves (tier 2), 2 spines (tier 3).
TopologyGraph graph() {
  testing::SyntheticShape shape;
  return testing::make_synthetic_result(shape).topology();
}

int vertex(const TopologyGraph& g, const std::string& name) {
  for (int i = 0; i < g.vertices_size(); ++i) {
    if (g.vertices(i).name() == name) return i;
  }
  return -1;
}

TEST(LayoutTopology, TiersAreRowsFromTheBottomUp) {
  const TopologyGraph g = graph();
  const TopologyLayout l = layout_topology(g, {0, 0, 800, 400});
  ASSERT_EQ(l.tiers, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FLOAT_EQ(l.row_height_px, 100);
  // Row r sits at y = 400 - (r + 0.5) * 100.
  EXPECT_FLOAT_EQ(l.position[vertex(g, "gpu0")].y, 350);
  EXPECT_FLOAT_EQ(l.position[vertex(g, "node0.nvswitch")].y, 250);
  EXPECT_FLOAT_EQ(l.position[vertex(g, "leaf0")].y, 150);
  EXPECT_FLOAT_EQ(l.position[vertex(g, "spine0")].y, 50);
}

TEST(LayoutTopology, HostsAreBandsAndGpusKeepRankOrder) {
  const TopologyGraph g = graph();
  const TopologyLayout l = layout_topology(g, {0, 0, 800, 400});
  ASSERT_EQ(l.nodes, (std::vector<int>{0, 1}));
  ASSERT_EQ(l.node_band.size(), 2u);
  // Both hosts have 5 tier-1 vertices (NVSwitch + 4 NICs), their widest tier: equal bands
  // split by a 16 px gap.
  EXPECT_FLOAT_EQ(l.node_band[0].x0, 0);
  EXPECT_FLOAT_EQ(l.node_band[0].x1, 392);
  EXPECT_FLOAT_EQ(l.node_band[1].x0, 408);
  for (int rank = 0; rank < 8; ++rank) {
    const Vec2 p = l.position[vertex(g, "gpu" + std::to_string(rank))];
    const Rect& band = l.node_band[rank / 4];
    EXPECT_GT(p.x, band.x0);
    EXPECT_LT(p.x, band.x1);
    if (rank % 4 > 0) {
      EXPECT_GT(p.x, l.position[vertex(g, "gpu" + std::to_string(rank - 1))].x);
    }
  }
  // 4 GPUs spread evenly in a 392 px band: centres at (k + 0.5) * 98.
  EXPECT_FLOAT_EQ(l.position[vertex(g, "gpu1")].x, 147);
  // Fabric switches span the whole width: two spines at 200 and 600.
  EXPECT_FLOAT_EQ(l.position[vertex(g, "spine0")].x, 200);
  EXPECT_FLOAT_EQ(l.position[vertex(g, "spine1")].x, 600);
}

TEST(PairLinks, BothDirectionsBecomeOnePair) {
  const TopologyGraph g = graph();
  const auto pairs = pair_links(g);
  ASSERT_EQ(pairs.size() * 2, static_cast<size_t>(g.links_size()));
  for (const auto& p : pairs) {
    ASSERT_GE(p.reverse, 0);
    EXPECT_LT(p.a, p.b);
    EXPECT_EQ(g.links(p.forward).src(), g.links(p.reverse).dst());
    EXPECT_EQ(g.links(p.forward).dst(), g.links(p.reverse).src());
  }
}

TEST(PairLinks, OneWayLinkHasNoReverse) {
  TopologyGraph g;
  g.add_vertices()->set_name("a");
  g.add_vertices()->set_name("b");
  auto* l = g.add_links();
  l->set_src(1);
  l->set_dst(0);
  const auto pairs = pair_links(g);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].a, 0);
  EXPECT_EQ(pairs[0].b, 1);
  EXPECT_EQ(pairs[0].forward, 0);
  EXPECT_EQ(pairs[0].reverse, -1);
}

TEST(NodeOfGpu, FromGpuVertices) {
  EXPECT_EQ(node_of_gpu(graph(), 8), (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(node_of_gpu(TopologyGraph(), 3), (std::vector<int>{0, 0, 0}));  // no graph: one host
}

TEST(DistanceToSegment, InsideBeyondAndDegenerate) {
  EXPECT_FLOAT_EQ(distance_to_segment({1, 1}, {0, 0}, {2, 0}), 1);
  EXPECT_FLOAT_EQ(distance_to_segment({5, 4}, {0, 0}, {2, 0}), 5);  // nearest is the end (2, 0)
  EXPECT_FLOAT_EQ(distance_to_segment({3, 4}, {0, 0}, {0, 0}), 5);
}

}  // namespace
}  // namespace moesim::viz
