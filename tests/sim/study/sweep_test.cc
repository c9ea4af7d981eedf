// Parameter sweeps: grid size and order, axis application, per-point errors, bad sweep files.
#include "sim/study/sweep.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "traces/proto_io.h"

namespace moesim::study {
namespace {

// A small, fast base: 4 GPUs on one switch, 8 experts, 1 MoE layer, 256 tokens per GPU.
constexpr const char* kBase = R"(
base {
  name: "tiny" mode: "training" steps: 2 seed: 3
  model { name: "tiny" num_layers: 2 moe_layer_interval: 1 hidden_size: 512 moe_intermediate_size: 1024
          dense_intermediate_size: 2048 num_routed_experts: 8 top_k: 2 scoring_func: "softmax"
          num_attention_heads: 4 head_dim: 128 seq_len: 512 dispatch_bytes_per_element: 2
          combine_bytes_per_element: 2 weight_bytes_per_element: 2 gated_ffn: true }
  parallel { ep: 4 dp: 1 tp: 1 tokens_per_gpu: 256 micro_batches: 1 }
  topology { preset: "star" params { key: "gpus" value: "4" } }
  algorithm: "direct" network: "analytic"
  routing { model: "zipf" zipf_exponent: 0.5 sampled_tokens_per_gpu: 64 }
  placement { policy: "contiguous" }
  hardware { name: "h100" }
}
)";

Result<Sweep> build(const std::string& axes) {
  SweepSpec spec;
  const std::string text = std::string(kBase) + "axes {" + axes + "}";
  if (auto st = parse_proto(text, ProtoFormat::kText, "sweep.textproto", &spec); !st.ok()) return st.error();
  return Sweep::build(spec, "sweep.textproto", "");
}

TEST(Sweep, GridIsTheProductOfTheAxesInRowMajorOrder) {
  auto sw = build(R"(placement_policies: ["contiguous", "balanced"] redundant_experts: [0, 4]
                     zipf_exponents: [0, 1.0] network_modes: ["analytic"])");
  ASSERT_TRUE(sw.ok()) << sw.message();
  EXPECT_EQ(sw->num_points(), 2u * 2u * 2u * 1u);
  const auto cols = sw->columns();
  EXPECT_EQ(cols, (std::vector<std::string>{"point", "placement_policy", "redundant_experts", "zipf_exponent", "network",
                                            "step_time_s", "dispatch_time_s", "combine_time_s", "expert_compute_time_s",
                                            "straggler_wait_time_s", "imbalance_max_over_mean", "tokens_dropped",
                                            "migration_time_s", "error"}));
  // Point 5 = (1, 0, 1, 0) in row-major order over sizes (2, 2, 2, 1): 1*4 + 0*2 + 1*1 + 0.
  std::vector<std::string> cells;
  const Scenario s = sw->point_scenario(5, &cells);
  EXPECT_EQ(cells, (std::vector<std::string>{"balanced", "0", "1", "analytic"}));
  EXPECT_EQ(s.placement().policy(), "balanced");
  EXPECT_EQ(s.placement().redundant_experts(), 0u);
  EXPECT_EQ(s.routing().model(), "zipf");
  EXPECT_DOUBLE_EQ(s.routing().zipf_exponent(), 1.0);
  // Everything not on an axis is the base's.
  EXPECT_EQ(s.parallel().tokens_per_gpu(), 256u);
  EXPECT_EQ(s.model().num_routed_experts(), 8u);
}

TEST(Sweep, NoAxesIsOnePointTheBase) {
  auto sw = build("");
  ASSERT_TRUE(sw.ok()) << sw.message();
  EXPECT_EQ(sw->num_points(), 1u);
  bool failed = true;
  const auto row = sw->run_point(0, &failed);
  EXPECT_FALSE(failed) << row.back();
  EXPECT_EQ(row.size(), sw->columns().size());
}

TEST(Sweep, SamePointTwiceGivesIdenticalRows) {
  auto sw = build(R"(placement_policies: ["balanced"] redundant_experts: [4] zipf_exponents: [1.2]
                     network_modes: ["flow"] rebalance_every: [1])");
  ASSERT_TRUE(sw.ok()) << sw.message();
  bool f1 = true, f2 = true;
  const auto a = sw->run_point(0, &f1);
  const auto b = sw->run_point(0, &f2);
  ASSERT_FALSE(f1) << a.back();
  EXPECT_EQ(a, b);
  // Zipf-skewed routing puts more tokens on some GPU than on the mean one.
  EXPECT_GT(std::stod(a[sw->columns().size() - 9 + 5]), 1.0);
}

TEST(Sweep, EpAxisDerivesDpAndMergesTopologyParams) {
  auto sw = build(R"(topologies: ["star:gpus=8"] ep_sizes { ep: 4 } ep_sizes { ep: 8 dp: 1 }
                     ep_sizes { ep: 2 dp: 2 topology_params { key: "gpus" value: "4" } })");
  ASSERT_TRUE(sw.ok()) << sw.message();
  ASSERT_EQ(sw->num_points(), 3u);
  std::vector<std::string> cells;
  Scenario s = sw->point_scenario(0, &cells);
  // dp = base GPUs (4 x 1) / ep 4 = 1; the topology axis sets 8 GPUs -> this point is invalid.
  EXPECT_EQ(cells, (std::vector<std::string>{"4", "1", "star:gpus=8"}));
  s = sw->point_scenario(2, &cells);
  EXPECT_EQ(s.parallel().ep(), 2u);
  EXPECT_EQ(s.parallel().dp(), 2u);
  EXPECT_EQ(s.topology().params().at("gpus"), "4");  // the EP point's params refine the topology
  bool failed = false;
  const auto bad = sw->run_point(0, &failed);
  EXPECT_TRUE(failed);
  EXPECT_NE(bad.back().find("point 0"), std::string::npos) << bad.back();
  EXPECT_NE(bad.back().find("GPUs"), std::string::npos) << bad.back();
  EXPECT_EQ(bad[4], "");  // no figures for a failed point
  const auto good = sw->run_point(1, &failed);
  EXPECT_FALSE(failed) << good.back();
}

TEST(Sweep, BadAxisValuesNameTheField) {
  struct Case {
    const char* axes;
    const char* field;
  };
  for (const Case& c : {Case{R"(placement_policies: ["balanced", "nope"])", "axes.placement_policies[1]"},
                        Case{R"(topologies: ["no-such-preset"])", "axes.topologies[0]"},
                        Case{R"(topologies: ["star:gpus=4,colour=blue"])", "axes.topologies[0]"},
                        Case{R"(zipf_exponents: [0.5, -1])", "axes.zipf_exponents[1]"},
                        Case{R"(algorithms: ["direct", "ring"])", "axes.algorithms[1]"},
                        Case{R"(network_modes: ["packet"])", "axes.network_modes[0]"},
                        Case{R"(ep_sizes { ep: 3 })", "axes.ep_sizes[0]"},
                        Case{R"(ep_sizes { ep: 0 dp: 1 })", "axes.ep_sizes[0]"}}) {
    auto sw = build(c.axes);
    ASSERT_FALSE(sw.ok()) << c.axes;
    EXPECT_NE(sw.message().find(std::string("sweep.textproto:") + c.field), std::string::npos) << sw.message();
  }
}

TEST(Sweep, CsvQuotingAndJson) {
  EXPECT_EQ(csv_line({"1", "a,b", "say \"x\"", ""}), "1,\"a,b\",\"say \"\"x\"\"\",");
  const std::string j = sweep_rows_json({"point", "placement_policy", "step_time_s", "error"},
                                        {{"0", "balanced", "0.25", ""}, {"1", "eplb", "", "bad"}});
  const auto parsed = nlohmann::json::parse(j);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["point"], 0);
  EXPECT_EQ(parsed[0]["step_time_s"], 0.25);
  EXPECT_FALSE(parsed[0].contains("error"));
  EXPECT_EQ(parsed[1]["error"], "bad");
}

}  // namespace
}  // namespace moesim::study

namespace moesim::study {
namespace {

// The shipped sweep examples parse and their axes check out (not run here: they are sized for
// a real study, not a unit test).
TEST(SweepExamples, LoadAndHaveTheDocumentedSize) {
  const std::string dir = std::string(MOESIM_SOURCE_DIR) + "/examples/sweeps/";
  auto grid = Sweep::load(dir + "placement_grid.textproto");
  ASSERT_TRUE(grid.ok()) << grid.message();
  EXPECT_EQ(grid->num_points(), 3u * 2u * 3u * 2u);
  auto ep = Sweep::load(dir + "ep_scaling.textproto");
  ASSERT_TRUE(ep.ok()) << ep.message();
  EXPECT_EQ(ep->num_points(), 4u * 2u);
}

}  // namespace
}  // namespace moesim::study

namespace moesim::study {
namespace {

TEST(Sweep, InlineBaseWithoutTopologyKeepsTheBaseTopology) {
  // An inline base that names no topology/routing must not wipe the default scenario's.
  SweepSpec spec;
  ASSERT_TRUE(parse_proto("base { steps: 3 network: \"analytic\" }", ProtoFormat::kText, "s.textproto", &spec).ok());
  auto sw = Sweep::build(spec, "s.textproto", "/some/dir");
  ASSERT_TRUE(sw.ok()) << sw.message();
  EXPECT_EQ(sw->base().topology().preset(), "rail");
  EXPECT_EQ(sw->base().routing().model(), "zipf");
  EXPECT_EQ(sw->base().steps(), 3u);
  EXPECT_EQ(sw->base().network(), "analytic");
}

}  // namespace
}  // namespace moesim::study
