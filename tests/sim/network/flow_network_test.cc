#include "sim/network/flow_network.h"

#include <map>

#include <gtest/gtest.h>

#include "sim/topology/dot_io.h"

namespace moesim {
namespace {

// Two GPUs joined by one 100 B/s link each way.
std::unique_ptr<Topology> pair() {
  auto t = parse_topology_dot("digraph { a [kind=gpu]; b [kind=gpu]; a -> b [bandwidth=100]; b -> a [bandwidth=100]; }", "p.dot");
  EXPECT_TRUE(t.ok()) << t.message();
  return std::move(*t);
}

std::map<uint32_t, double> run_all(FlowNetwork& net) {
  std::map<uint32_t, double> done;
  std::vector<uint32_t> out;
  while (!net.idle()) {
    out.clear();
    const double t = net.next_event_time();
    net.advance_to(t, &out);
    for (auto f : out) done[f] = t;
  }
  return done;
}

TEST(FlowNetwork, SharingThenSpeedingUp) {
  auto t = pair();
  FlowNetwork net(*t, 0.0);
  const LinkShare ab{0, 1.0f};
  // A: 100 B and B: 300 B share the link at 50 B/s; A is out at t = 2; B has 200 B left,
  // alone at 100 B/s, out at t = 4. Latency 1 s is added to each completion.
  const auto a = net.add_flow(&ab, 1, 100, 1.0, 0.0);
  const auto b = net.add_flow(&ab, 1, 300, 1.0, 0.0);
  auto done = run_all(net);
  EXPECT_DOUBLE_EQ(done[a], 3.0);
  EXPECT_DOUBLE_EQ(done[b], 5.0);
  EXPECT_DOUBLE_EQ(net.link_bytes()[0], 400.0);
  EXPECT_DOUBLE_EQ(net.link_busy_s()[0], 4.0);
}

TEST(FlowNetwork, LateArrivalResharesBandwidth) {
  auto t = pair();
  FlowNetwork net(*t, 0.0);
  const LinkShare ab{0, 1.0f};
  // t in [0,1): A and B at 50 B/s. At t = 1, C (50 B) arrives: A has 50 B, B 250 B left; three
  // flows at 100/3 B/s: A and C finish together at 1 + 50 / (100/3) = 2.5. B then has
  // 250 - 50 = 200 B at 100 B/s: done at 4.5 (= 450 B / 100 B/s: the link never idles).
  const auto a = net.add_flow(&ab, 1, 100, 0.0, 0.0);
  const auto b = net.add_flow(&ab, 1, 300, 0.0, 0.0);
  const auto c = net.add_flow(&ab, 1, 50, 0.0, 1.0);
  auto done = run_all(net);
  EXPECT_NEAR(done[a], 2.5, 1e-12);
  EXPECT_NEAR(done[c], 2.5, 1e-12);
  EXPECT_NEAR(done[b], 4.5, 1e-12);
}

TEST(FlowNetwork, MinimumCompletionTime) {
  auto t = pair();
  FlowNetwork net(*t, 0.0);
  const LinkShare ab{0, 1.0f};
  const auto a = net.add_flow(&ab, 1, 100, 0.5, 0.0, 7.0);  // out at 1, but not done before 7
  auto done = run_all(net);
  EXPECT_DOUBLE_EQ(done[a], 7.0);
}

TEST(FlowNetwork, CoalescingBoundsTheError) {
  auto t = pair();
  FlowNetwork net(*t, 1e-2);
  const LinkShare ab{0, 1.0f};
  // 100 flows of 1000 + i bytes: exactly, each finish is a separate event. With 1% coalescing
  // the bytes skipped are at most 1% of those sent (speeding the others up by at most 1% of the
  // run), and a flow itself ends at most 1% early: every completion errs by at most 2% of the
  // run (the last exact completion), and far fewer events happen.
  std::vector<uint32_t> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(net.add_flow(&ab, 1, 1000 + i, 0.0, 0.0));
  auto done = run_all(net);
  FlowNetwork exact(*t, 0.0);
  for (int i = 0; i < 100; ++i) exact.add_flow(&ab, 1, 1000 + i, 0.0, 0.0);
  auto ref = run_all(exact);
  for (int i = 0; i < 100; ++i) EXPECT_NEAR(done[ids[i]], ref[i], 0.02 * ref[99]) << i;
  EXPECT_LT(net.num_solves(), exact.num_solves() / 4);
}

}  // namespace
}  // namespace moesim
