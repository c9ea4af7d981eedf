#include "sim/topology/presets.h"

#include <gtest/gtest.h>

#include "sim/topology/bisection.h"

namespace moesim {
namespace {

std::unique_ptr<Topology> build(const std::string& arg) {
  auto spec = parse_topology_arg(arg);
  EXPECT_TRUE(spec.ok()) << spec.message();
  auto t = build_topology(*spec, "");
  EXPECT_TRUE(t.ok()) << t.message();
  return t.ok() ? std::move(*t) : nullptr;
}

TEST(Presets, RailDefaultShape) {
  auto t = build("rail");
  ASSERT_TRUE(t);
  // 8 nodes x (8 GPUs + 8 NICs + 1 NVSwitch) + 8 rail leaves + 8 spines.
  EXPECT_EQ(t->num_gpus(), 64);
  EXPECT_EQ(t->num_nodes(), 8);
  EXPECT_EQ(t->gpus_per_node(), 8);
  EXPECT_EQ(t->num_vertices(), 8 * 17 + 8 + 8);
  // Directed links: per node 8 GPU-NVSwitch + 8 GPU-NIC duplex (32); 64 NIC-leaf duplex (128);
  // 8 leaves x 8 spines duplex (128).
  EXPECT_EQ(t->num_links(), 8 * 32 + 128 + 128);
  // Bisection between nodes 0-3 and 4-7: 32 NICs of 400 Gb/s = 32 x 50 GB/s.
  EXPECT_NEAR(bisection_bandwidth(*t), 32 * 50e9, 1e3);
}

TEST(Presets, FatTreeOversubscriptionHalvesBisection) {
  // 8 nodes, 4 per leaf: 2 leaves. Each leaf's uplinks total 32 NICs x 50 GB/s / oversub.
  auto full = build("fat-tree:nodes=8,oversubscription=1");
  auto half = build("fat-tree:nodes=8,oversubscription=2");
  ASSERT_TRUE(full && half);
  EXPECT_NEAR(bisection_bandwidth(*full), 32 * 50e9, 1e3);
  EXPECT_NEAR(bisection_bandwidth(*half), 16 * 50e9, 1e3);
}

TEST(Presets, Nvl72IsOneNode) {
  auto t = build("nvl72");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_gpus(), 72);
  EXPECT_EQ(t->num_nodes(), 1);
  // 36 GPUs on each side, each with a 900 GB/s NVLink 5 port: the cut is 36 x 900 GB/s.
  EXPECT_NEAR(bisection_bandwidth(*t), 36 * 900e9, 1e3);
}

TEST(Presets, TorusNeighbours) {
  auto t = build("torus2d:dims=4x4,link_bw=100GB/s");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->num_gpus(), 16);
  EXPECT_EQ(t->num_links(), 16 * 4);  // 4 neighbours, one directed link to each
  EXPECT_EQ(t->num_nodes(), 16);
  EXPECT_TRUE(t->forwards(t->gpu_vertex(0)));
  // Cutting a 4x4 torus in half crosses 2 columns of 4 rings... 8 bidirectional links -> 8 x 100 GB/s one way.
  EXPECT_NEAR(bisection_bandwidth(*t), 8 * 100e9, 1e3);
  auto t3 = build("torus3d:dims=2x3x4");
  ASSERT_TRUE(t3);
  EXPECT_EQ(t3->num_gpus(), 24);
}

TEST(Presets, Errors) {
  auto unknown = build_topology(*parse_topology_arg("hypercube"), "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("unknown preset 'hypercube'"), std::string::npos);
  EXPECT_NE(unknown.message().find("rail"), std::string::npos) << "lists the known presets";

  auto bad_key = build_topology(*parse_topology_arg("rail:nodez=4"), "");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.message().find("unknown parameter 'nodez'"), std::string::npos) << bad_key.message();

  auto bad_unit = build_topology(*parse_topology_arg("rail:nic_bw=400 furlongs"), "");
  ASSERT_FALSE(bad_unit.ok());
  EXPECT_NE(bad_unit.message().find("nic_bw"), std::string::npos) << bad_unit.message();

  auto zero = build_topology(*parse_topology_arg("star:link_bw=0GB/s"), "");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("link_bw"), std::string::npos) << zero.message();

  auto absurd = build_topology(*parse_topology_arg("rail:nodes=1000000,gpus_per_node=1000"), "");
  ASSERT_FALSE(absurd.ok());
  EXPECT_NE(absurd.message().find("refused"), std::string::npos) << absurd.message();

  EXPECT_FALSE(parse_topology_arg("rail:nodes").ok());
}

}  // namespace
}  // namespace moesim
