#include "sim/topology/dot_io.h"

#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "sim/topology/presets.h"

namespace moesim {
namespace {

constexpr const char* kTwoGpus = R"(graph g {
  a [kind=gpu];
  b [kind=gpu];
  s [kind=switch];
  a -- s [bandwidth="400Gb/s", latency="1us"];
  b -- s [bandwidth="50GB/s", latency="1000ns"];
})";

TEST(DotIo, UndirectedEdgesAreFullDuplex) {
  auto t = parse_topology_dot(kTwoGpus, "two.dot");
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ((*t)->num_gpus(), 2);
  ASSERT_EQ((*t)->num_links(), 4);
  for (int l = 0; l < 4; ++l) {
    EXPECT_DOUBLE_EQ((*t)->link_bandwidth(l), 50e9);  // both directions get the full 50 GB/s
    EXPECT_DOUBLE_EQ((*t)->link_latency(l), 1e-6);
    EXPECT_EQ((*t)->link_class(l), LinkClass::kNetwork);
  }
}

TEST(DotIo, DigraphEdgesAreOneDirection) {
  auto t = parse_topology_dot(R"(digraph { a [kind=gpu]; b [kind=gpu]; a -> b [bandwidth=100]; b -> a [bandwidth=200]; })",
                              "d.dot");
  ASSERT_TRUE(t.ok()) << t.message();
  ASSERT_EQ((*t)->num_links(), 2);
  EXPECT_DOUBLE_EQ((*t)->link_bandwidth(0), 100);  // plain number = bytes/s
  EXPECT_DOUBLE_EQ((*t)->link_bandwidth(1), 200);
  EXPECT_EQ((*t)->link_class(0), LinkClass::kNvlink);  // GPU to GPU
}

TEST(DotIo, ExplicitRanks) {
  auto t = parse_topology_dot(R"(graph { x [kind=gpu, rank=1]; y [kind=gpu, rank=0]; x -- y [bandwidth="1GB/s"]; })", "r.dot");
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ((*t)->vertex((*t)->gpu_vertex(0)).name, "y");
  EXPECT_EQ((*t)->vertex((*t)->gpu_vertex(1)).name, "x");
}

TEST(DotIo, RoundTripOfAPreset) {
  auto spec = parse_topology_arg("fat-tree:nodes=4,nodes_per_leaf=2,spines=2");
  auto t = build_topology(*spec, "");
  ASSERT_TRUE(t.ok());
  auto back = parse_topology_dot(topology_to_dot(**t), "rt.dot");
  ASSERT_TRUE(back.ok()) << back.message();
  ASSERT_EQ((*back)->num_links(), (*t)->num_links());
  ASSERT_EQ((*back)->num_gpus(), (*t)->num_gpus());
  // Link ids may be numbered differently; compare the links by name.
  auto by_name = [](const Topology& x) {
    std::map<std::string, std::tuple<double, double, LinkClass>> m;
    for (int l = 0; l < x.num_links(); ++l) m[x.link_name(l)] = {x.link_bandwidth(l), x.link_latency(l), x.link_class(l)};
    return m;
  };
  EXPECT_EQ(by_name(**back), by_name(**t));
  for (int r = 0; r < (*t)->num_gpus(); ++r) EXPECT_EQ((*back)->node_of_rank(r), (*t)->node_of_rank(r));
}

void expect_error(const std::string& text, const std::vector<std::string>& parts) {
  auto t = parse_topology_dot(text, "bad.dot");
  ASSERT_FALSE(t.ok()) << "accepted:\n" << text;
  for (const auto& p : parts) EXPECT_NE(t.message().find(p), std::string::npos) << "'" << p << "' not in: " << t.message();
}

TEST(DotIo, Errors) {
  expect_error("graph { a [kind=gpu] ", {"bad.dot", "malformed DOT"});
  expect_error("not a graph at all", {"bad.dot", "not a GraphViz DOT file"});
  expect_error("graph {\n a [kind=gpu];\n b [kind=gpuu];\n a -- b [bandwidth=1];\n}", {"bad.dot:line 3", "vertex b", "gpuu"});
  expect_error("graph {\n a [kind=gpu];\n b [kind=gpu];\n a -- b [bandwidth=\"10 furlongs\"];\n}",
               {"line 4", "edge a -- b", "unknown bandwidth unit 'furlongs'"});
  expect_error("graph {\n a [kind=gpu];\n b [kind=gpu];\n a -- b [bandwidth=\"0GB/s\"];\n}", {"edge a -- b", "positive"});
  expect_error("graph {\n a [kind=gpu];\n b [kind=gpu];\n a -- b [bandwidth=\"-5GB/s\"];\n}", {"edge a -- b", "positive"});
  expect_error("graph { a [kind=gpu]; b [kind=gpu]; a -- b [bandwidth=1, latency=\"3 weeks\"]; }", {"latency", "weeks"});
  expect_error("graph { a [kind=gpu]; b [kind=gpu]; a -- b; }", {"missing attribute bandwidth"});
  expect_error("graph { a; b [kind=gpu]; a -- b [bandwidth=1]; }", {"vertex a", "missing attribute kind"});
  expect_error("graph { a [kind=switch]; }", {"no GPU"});
  expect_error("graph { a [kind=gpu, rank=0]; b [kind=gpu, rank=0]; a -- b [bandwidth=1]; }", {"rank 0 already taken"});
  // Unquoted units or exponents would be split by the DOT lexer into a wrong number.
  expect_error("graph {\n a [kind=gpu]; b [kind=gpu];\n a -- b [bandwidth=400Gb/s];\n}", {"line 3", "must be quoted"});
  expect_error("graph {\n a [kind=gpu]; b [kind=gpu];\n a -- b [bandwidth=1e9];\n}", {"line 3", "must be quoted"});
}

}  // namespace
}  // namespace moesim
