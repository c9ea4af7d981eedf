#include "sim/topology/router.h"

#include <map>

#include <gtest/gtest.h>

#include "sim/topology/dot_io.h"
#include "sim/topology/presets.h"

namespace moesim {
namespace {

std::unique_ptr<Topology> build(const std::string& arg) {
  auto t = build_topology(*parse_topology_arg(arg), "");
  EXPECT_TRUE(t.ok()) << t.message();
  return std::move(*t);
}

// Sum of shares on links leaving each vertex equals what entered it (1 at the source).
TEST(Router, SplitSharesConserveFlow) {
  auto t = build("fat-tree:nodes=8,nodes_per_leaf=4,spines=4");
  Router r(*t, EcmpMode::kSplit);
  DistanceField f;
  const int src = 0, dst = 63;  // different leaves
  r.distances_to(t->gpu_vertex(dst), &f);
  PathScratch s;
  std::vector<LinkShare> path;
  const double lat = r.route(t->gpu_vertex(src), f, 0, &s, &path);
  ASSERT_GT(lat, 0);
  std::map<int, double> out, in;
  for (const auto& ls : path) {
    out[t->link_src(ls.link)] += ls.share;
    in[t->link_dst(ls.link)] += ls.share;
  }
  EXPECT_NEAR(out[t->gpu_vertex(src)], 1.0, 1e-6);
  EXPECT_NEAR(in[t->gpu_vertex(dst)], 1.0, 1e-6);
  // GPU -> NIC -> leaf -> (4 spines) -> leaf -> NIC -> GPU: 2 + 4 + 4 + 2 links, spine links at 1/4.
  EXPECT_EQ(path.size(), 12u);
  int quarter = 0;
  for (const auto& ls : path) quarter += std::abs(ls.share - 0.25f) < 1e-6;
  EXPECT_EQ(quarter, 8);
  // Path latency: GPU-NIC 0.25 us, then 4 network hops of 0.5 us, then NIC-GPU 0.25 us.
  EXPECT_NEAR(lat, 0.25e-6 * 2 + 0.5e-6 * 4, 1e-12);
}

TEST(Router, HashTakesOnePath) {
  auto t = build("fat-tree:nodes=8,nodes_per_leaf=4,spines=4");
  Router r(*t, EcmpMode::kHash);
  DistanceField f;
  r.distances_to(t->gpu_vertex(63), &f);
  PathScratch s;
  std::map<uint32_t, int> spine_use;
  for (uint64_t h = 0; h < 400; ++h) {
    std::vector<LinkShare> path;
    r.route(t->gpu_vertex(0), f, mix64(h), &s, &path);
    ASSERT_EQ(path.size(), 6u);
    for (const auto& ls : path) {
      EXPECT_FLOAT_EQ(ls.share, 1.0f);
      if (t->vertex(t->link_dst(ls.link)).name.rfind("spine", 0) == 0) ++spine_use[ls.link];
    }
  }
  EXPECT_EQ(spine_use.size(), 4u) << "hashing spreads flows over all four spines";
}

TEST(Router, IntraNodeTrafficStaysOnNvlink) {
  auto t = build("rail:nodes=2");
  Router r(*t, EcmpMode::kSplit);
  DistanceField f;
  r.distances_to(t->gpu_vertex(1), &f);
  PathScratch s;
  std::vector<LinkShare> path;
  r.route(t->gpu_vertex(0), f, 0, &s, &path);
  ASSERT_EQ(path.size(), 2u);
  for (const auto& ls : path) EXPECT_EQ(t->link_class(ls.link), LinkClass::kNvlink);
}

TEST(Router, GpusDoNotRelayOnNvswitchNodes) {
  // Cross-rail traffic must go NIC -> rail leaf -> spine -> rail leaf, not through another GPU.
  auto t = build("rail:nodes=2");
  Router r(*t, EcmpMode::kSplit);
  DistanceField f;
  r.distances_to(t->gpu_vertex(9), &f);  // node 1, local rank 1
  PathScratch s;
  std::vector<LinkShare> path;
  r.route(t->gpu_vertex(0), f, 0, &s, &path);  // node 0, local rank 0
  for (const auto& ls : path) {
    const int v = t->link_dst(ls.link);
    if (v != t->gpu_vertex(9)) EXPECT_NE(t->vertex(v).kind, VertexKind::kGpu) << t->link_name(ls.link);
  }
}

TEST(Router, DisconnectedPairIsAnError) {
  auto t = parse_topology_dot("graph { a [kind=gpu]; b [kind=gpu]; c [kind=gpu]; a -- b [bandwidth=1]; }", "split.dot");
  ASSERT_TRUE(t.ok()) << t.message();
  Router r(**t, EcmpMode::kSplit);
  auto st = r.check_all_pairs("split.dot");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("split.dot"), std::string::npos);
  EXPECT_NE(st.message().find("cannot reach"), std::string::npos);
  EXPECT_NE(st.message().find("c (rank 2)"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace moesim
