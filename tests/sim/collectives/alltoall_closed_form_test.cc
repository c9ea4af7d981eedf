// Closed forms for contention-free and single-bottleneck all-to-alls (DESIGN: "exact where
// physics is exact"). Every expected time below is derived in the comment beside it.
#include <gtest/gtest.h>

#include "sim/collectives/alltoall_study.h"
#include "sim/topology/dot_io.h"
#include "sim/topology/presets.h"

namespace moesim {
namespace {

std::unique_ptr<Topology> build(const std::string& arg) {
  auto t = build_topology(*parse_topology_arg(arg), "");
  EXPECT_TRUE(t.ok()) << t.message();
  return std::move(*t);
}

AllToAllOptions options(NetworkMode mode, CollectiveCosts costs = {0, 0}) {
  AllToAllOptions o;
  o.network = mode;
  o.costs = costs;
  o.coalesce_rel = 0;
  return o;
}

double time_of(const Topology& t, const TrafficMatrix& m, const AllToAllOptions& o) {
  auto r = simulate_alltoall(t, m, 0, o);
  EXPECT_TRUE(r.ok()) << r.message();
  return r->completion_time_s();
}

constexpr double kRel = 1e-3;  // "within 0.1%"

TEST(AllToAllClosedForm, StarUniform) {
  // N GPUs on one switch, links of bandwidth C each way, latency L per link. Every GPU's uplink
  // carries (N-1) B and every downlink (N-1) B; all N(N-1) flows get C/(N-1):
  //   T = (N-1) B / C + 2 L.
  auto t = build("star:gpus=8,link_bw=100GB/s,latency=1us");
  const double b = 1 << 20;
  const double expect = 7 * b / 100e9 + 2e-6;
  for (auto mode : {NetworkMode::kFlow, NetworkMode::kAnalytic}) {
    EXPECT_NEAR(time_of(*t, TrafficMatrix::Uniform(8, b), options(mode)), expect, kRel * expect);
  }
}

TEST(AllToAllClosedForm, Incast) {
  // k = 7 senders to GPU 0: its downlink carries 7 B: T = 7 B / C + 2 L.
  auto t = build("star:gpus=8,link_bw=50GB/s,latency=2us");
  const double b = 3e6;
  std::vector<double> dense(64, 0.0);
  for (int s = 1; s < 8; ++s) dense[s * 8 + 0] = b;
  const double expect = 7 * b / 50e9 + 4e-6;
  for (auto mode : {NetworkMode::kFlow, NetworkMode::kAnalytic}) {
    EXPECT_NEAR(time_of(*t, TrafficMatrix::Dense(8, dense), options(mode)), expect, kRel * expect);
  }
}

TEST(AllToAllClosedForm, RingNeighbours) {
  // A directed ring of 6 GPUs, each sending B to its successor over its own link: no sharing,
  //   T = B / C + L.
  auto t = parse_topology_dot(R"(digraph {
    g0 [kind=gpu]; g1 [kind=gpu]; g2 [kind=gpu]; g3 [kind=gpu]; g4 [kind=gpu]; g5 [kind=gpu];
    g0 -> g1 [bandwidth="25GB/s", latency="3us"]; g1 -> g2 [bandwidth="25GB/s", latency="3us"];
    g2 -> g3 [bandwidth="25GB/s", latency="3us"]; g3 -> g4 [bandwidth="25GB/s", latency="3us"];
    g4 -> g5 [bandwidth="25GB/s", latency="3us"]; g5 -> g0 [bandwidth="25GB/s", latency="3us"];
  })", "ring.dot");
  ASSERT_TRUE(t.ok()) << t.message();
  const double b = 5e6;
  std::vector<double> dense(36, 0.0);
  for (int s = 0; s < 6; ++s) dense[s * 6 + (s + 1) % 6] = b;
  const double expect = b / 25e9 + 3e-6;
  for (auto mode : {NetworkMode::kFlow, NetworkMode::kAnalytic}) {
    EXPECT_NEAR(time_of(**t, TrafficMatrix::Dense(6, dense), options(mode)), expect, kRel * expect);
  }
}

TEST(AllToAllClosedForm, RingAllToAllThroughRelays) {
  // The same directed ring, uniform all-to-all: the flow to the GPU k hops ahead crosses k
  // links, so each link carries B (1 + 2 + ... + 5) = 15 B. Flows are all bottlenecked on
  // equally loaded links, so max-min gives every link full use:
  //   T = 15 B / C + 5 L (the farthest destination is 5 hops away).
  auto t = parse_topology_dot(R"(digraph {
    g0 [kind=gpu]; g1 [kind=gpu]; g2 [kind=gpu]; g3 [kind=gpu]; g4 [kind=gpu]; g5 [kind=gpu];
    g0 -> g1 [bandwidth="1e9", latency="1e-6"]; g1 -> g2 [bandwidth="1e9", latency="1e-6"];
    g2 -> g3 [bandwidth="1e9", latency="1e-6"]; g3 -> g4 [bandwidth="1e9", latency="1e-6"];
    g4 -> g5 [bandwidth="1e9", latency="1e-6"]; g5 -> g0 [bandwidth="1e9", latency="1e-6"];
  })", "ring.dot");
  ASSERT_TRUE(t.ok()) << t.message();
  const double b = 1e6;
  const double expect = 15 * b / 1e9 + 5e-6;
  EXPECT_NEAR(time_of(**t, TrafficMatrix::Uniform(6, b), options(NetworkMode::kAnalytic)), expect, kRel * expect);
  // Flow level: short flows finish first and free bandwidth, so the ring is never idle until
  // the last (5-hop) flows: the same bound holds.
  EXPECT_NEAR(time_of(**t, TrafficMatrix::Uniform(6, b), options(NetworkMode::kFlow)), expect, kRel * expect);
}

TEST(AllToAllClosedForm, IssueOverheadDominatesSmallMessages) {
  // 1-byte messages: the 7th message a GPU posts cannot finish before
  //   launch + 7 * per_message + 2 L = 5 + 7 + 2 = 14 us.
  auto t = build("star:gpus=8,link_bw=100GB/s,latency=1us");
  const double expect = 14e-6;
  for (auto mode : {NetworkMode::kFlow, NetworkMode::kAnalytic}) {
    EXPECT_NEAR(time_of(*t, TrafficMatrix::Uniform(8, 1), options(mode, {5e-6, 1e-6})), expect, kRel * expect);
  }
}

TEST(AllToAllClosedForm, RailNodesNicBound) {
  // rail:nodes=8 (H100 defaults), 1 MiB per peer, direct. A GPU sends 56 peers' worth over its
  // NIC (400 Gb/s = 50 GB/s); NVLink (450 GB/s) and spines are not the bottleneck:
  //   T ~= 56 MiB / 50 GB/s + path latency (0.25 + 4 x 0.5 + 0.25 us on cross-rail paths).
  auto t = build("rail");
  const double b = 1 << 20;
  const double expect = 56 * b / 50e9 + 2.5e-6;
  for (auto mode : {NetworkMode::kFlow, NetworkMode::kAnalytic}) {
    EXPECT_NEAR(time_of(*t, TrafficMatrix::Uniform(64, b), options(mode)), expect, kRel * expect);
  }
}

TEST(AllToAllClosedForm, DoublingTheBottleneckHalvesTheTime) {
  auto slow = build("star:gpus=16,link_bw=50GB/s,latency=0");
  auto fast = build("star:gpus=16,link_bw=100GB/s,latency=0");
  const auto m = TrafficMatrix::Uniform(16, 1e6);
  const double ts = time_of(*slow, m, options(NetworkMode::kFlow));
  const double tf = time_of(*fast, m, options(NetworkMode::kFlow));
  EXPECT_NEAR(ts / tf, 2.0, 1e-9);
}

TEST(AllToAllClosedForm, BusBandwidthFollowsNcclTests) {
  // busbw = algbw (n-1)/n with algbw = size / time and size = bytes per peer * n.
  auto t = build("star:gpus=4,link_bw=100GB/s,latency=0");
  AllToAllOptions o = options(NetworkMode::kFlow);
  const double b = 1e6;
  auto r = simulate_alltoall(*t, TrafficMatrix::Uniform(4, b), 4 * b, o);
  ASSERT_TRUE(r.ok());
  // T = 3 B / C  =>  algbw = 4 B / (3 B / C) = 4C/3, busbw = C.
  EXPECT_NEAR(r->algbw_gb_per_s(), 100.0 * 4 / 3, 1e-6);
  EXPECT_NEAR(r->busbw_gb_per_s(), 100.0, 1e-6);
  EXPECT_NEAR(r->max_link_utilization(), 1.0, 1e-9);
}

}  // namespace
}  // namespace moesim
