// Rebalancing study on a hand-built drifting expert-load log: the hot expert moves every 10
// steps. Whether re-placing pays depends on what a migration costs against what the imbalance
// costs, which these tests set up from first principles.
#include "sim/study/rebalance_study.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "sim/moe/scenario.h"
#include "traces/proto/expert_load.pb.h"
#include "traces/proto_io.h"

namespace moesim::study {
namespace {

constexpr int kSteps = 40, kExperts = 8;

// Expert load log: 40 snapshots, 1 layer, 8 experts; the hot expert takes half of all
// assignments and is 0, 3, 5, 6 in steps 0-9, 10-19, 20-29, 30-39; the others share the rest.
std::string write_drifting_trace() {
  ExpertLoadTrace t;
  t.set_source("drifting (built in code)");
  t.set_format("moesim");
  t.set_num_steps(kSteps);
  t.set_num_layers(1);
  t.set_num_experts(kExperts);
  t.set_top_k(2);
  const int hot[4] = {0, 3, 5, 6};
  for (int s = 0; s < kSteps; ++s) {
    t.add_step_ids(s);
    for (int e = 0; e < kExperts; ++e) t.add_counts(e == hot[s / 10] ? 7000.0 : 1000.0);
  }
  const auto path = std::filesystem::temp_directory_path() / ("moesim_drifting_trace_" + std::to_string(::getpid()) + ".pb");
  EXPECT_TRUE(save_proto(path.string(), t).ok());
  return path.string();
}

// One MoE layer of hidden 1024 and a wide expert FFN (16384, SwiGLU: 3 x 1024 x 16384 = 50.3M
// parameters, 100.7 MB of BF16 weights; in training a copy also moves the FP32 master weights
// and two Adam moments, 12 B/parameter more: 704.6 MB per expert). 4 GPUs on one switch, each
// routing 512 tokens, top-2: 4096 assignments per step, the hot expert 2048 of them.
// Balanced placement with 4 redundant slots (3 per GPU) replicates the hot expert.
Scenario drifting_scenario(const std::string& trace, const std::string& link_bw) {
  Scenario s;
  const std::string text = R"(name: "drifting hot expert" mode: "training" steps: 40 seed: 7
model { name: "wide-ffn" num_layers: 1 moe_layer_interval: 1 hidden_size: 1024 moe_intermediate_size: 16384
        dense_intermediate_size: 4096 num_routed_experts: 8 top_k: 2 scoring_func: "softmax" num_attention_heads: 8
        head_dim: 128 seq_len: 1024 dispatch_bytes_per_element: 2 combine_bytes_per_element: 2
        weight_bytes_per_element: 2 gated_ffn: true }
parallel { ep: 4 dp: 1 tp: 1 tokens_per_gpu: 512 micro_batches: 1 }
algorithm: "direct" network: "analytic"
placement { policy: "balanced" redundant_experts: 4 }
hardware { name: "h100" })";
  EXPECT_TRUE(parse_proto(text, ProtoFormat::kText, "test", &s).ok());
  s.mutable_topology()->set_preset("star");
  (*s.mutable_topology()->mutable_params())["gpus"] = "4";
  (*s.mutable_topology()->mutable_params())["link_bw"] = link_bw;
  s.mutable_routing()->set_model("trace");
  s.mutable_routing()->set_trace_file(trace);
  return s;
}

class RebalanceStudyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { trace_ = new std::string(write_drifting_trace()); }
  static void TearDownTestSuite() {
    std::filesystem::remove(*trace_);
    delete trace_;
  }
  static std::string* trace_;
};
std::string* RebalanceStudyTest::trace_ = nullptr;

TEST_F(RebalanceStudyTest, RebalancingBeatsStaticWhenMigrationIsCheap) {
  // NVLink-5-class 900 GB/s links. Static keeps the step-0 plan, made for hot expert 0; after
  // step 9 the new hot expert (2048 assignments) sits on one GPU with two other slots, while
  // balanced re-placement spreads it to ~1024 per GPU: ~1000+ assignments less on the busiest
  // GPU in 29 of the 40 steps. Each assignment costs 2 x 3 x 1024 x 16384 = 101 MFLOP forward,
  // 3x that with backward: ~0.4 us at H100's ~0.75 x 989 TFLOP/s, so the imbalance costs
  // ~0.4 ms per step, ~12 ms over the run (plus a little all-to-all). Re-planning after every
  // step moves experts only when the hot expert changes (3 times: identical loads give
  // identical plans); a GPU receives up to three 704.6 MB copies, 0.78 ms each at 900 GB/s:
  // ~2.3 ms per rebalance, ~7 ms in all. Saving > migration: rebalancing every step wins.
  RebalanceOptions opt;
  opt.intervals = {1};
  auto st = run_rebalance_study(drifting_scenario(*trace_, "900GB/s"), "drifting", opt);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(st->outcomes.size(), 2u);
  const auto& stat = st->outcomes[0];
  const auto& every1 = st->outcomes[1];
  EXPECT_EQ(stat.every, 0u);
  EXPECT_EQ(stat.num_migrations, 0);
  EXPECT_DOUBLE_EQ(stat.migration_time_s, 0.0);
  EXPECT_EQ(every1.num_migrations, 3);
  EXPECT_LT(every1.mean_imbalance, stat.mean_imbalance);
  EXPECT_LT(every1.total_time_s, stat.total_time_s);
  EXPECT_EQ(st->best, 1);
  // Every migration moves at least one expert copy into some GPU: >= 704.6 MB / 900 GB/s.
  EXPECT_GE(every1.migration_time_s, 3 * 704.6e6 / 900e9 * 0.99);
  ASSERT_EQ(every1.step_time_s.size(), static_cast<size_t>(kSteps));
}

TEST_F(RebalanceStudyTest, RebalancingLosesWhenMigrationIsExpensive) {
  // 10 Gb/s (1.25 GB/s) links. Now every copy takes 704.6 MB / 1.25 GB/s = 0.56 s: three
  // rebalances >= 1.7 s (with up to three copies into one GPU, ~5 s). What balance saves per step: the compute above (~0.4 ms) plus the
  // all-to-all into the hot GPU, ~1000 tokens x 2 KB fewer on its link per all-to-all, four
  // all-to-alls per step (dispatch and combine, forward and backward): ~8 MB / 1.25 GB/s =
  // ~6.5 ms per step, ~0.2 s over 29 steps. Migration > saving: static wins.
  RebalanceOptions opt;
  opt.intervals = {1};
  auto st = run_rebalance_study(drifting_scenario(*trace_, "1.25GB/s"), "drifting", opt);
  ASSERT_TRUE(st.ok()) << st.message();
  const auto& stat = st->outcomes[0];
  const auto& every1 = st->outcomes[1];
  EXPECT_EQ(every1.num_migrations, 3);
  EXPECT_GE(every1.migration_time_s, 3 * 704.6e6 / 1.25e9 * 0.99);
  EXPECT_LT(every1.mean_imbalance, stat.mean_imbalance);  // still better balanced...
  EXPECT_GT(every1.total_time_s, stat.total_time_s);      // ...but it does not pay
  EXPECT_EQ(st->best, 0);
}

TEST_F(RebalanceStudyTest, StepWeightChargesMigrationOnce) {
  // With W iterations per simulated step: total = W x (sum of step times - migrations) +
  // migrations, so for static (no migration) the total scales by exactly W.
  RebalanceOptions one, ten;
  one.intervals = ten.intervals = {5};
  ten.step_weight = 10;
  Scenario sc = drifting_scenario(*trace_, "450GB/s");
  sc.set_steps(12);
  auto a = run_rebalance_study(sc, "drifting", one);
  auto b = run_rebalance_study(sc, "drifting", ten);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_DOUBLE_EQ(b->outcomes[0].total_time_s, 10 * a->outcomes[0].total_time_s);
  const auto& ra = a->outcomes[1];
  const auto& rb = b->outcomes[1];
  EXPECT_NEAR(rb.total_time_s, 10 * (ra.total_time_s - ra.migration_time_s) + ra.migration_time_s, 1e-12);
  EXPECT_NEAR(rb.mean_step_time_s, rb.total_time_s / (12 * 10), 1e-15);
}

TEST(RebalanceIntervals, AutoSetIsOneTwoFiveBelowTheStepCount) {
  EXPECT_EQ(auto_intervals(501), (std::vector<uint32_t>{1, 2, 5, 10, 20, 50, 100, 200, 500}));
  EXPECT_EQ(auto_intervals(10), (std::vector<uint32_t>{1, 2, 5}));
  EXPECT_TRUE(auto_intervals(1).empty());
  auto p = parse_intervals("1,5,20", "--every");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (std::vector<uint32_t>{1, 5, 20}));
  auto bad = parse_intervals("1,0", "--every");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("'0'"), std::string::npos);
  EXPECT_FALSE(parse_intervals("1,,2", "--every").ok());
}

}  // namespace
}  // namespace moesim::study

namespace moesim::study {
namespace {

// The shipped SmartMoE example on the real log, shortened (12 snapshots, 2 of 24 layers, the
// analytic network) to stay fast: it loads, replays and reports every strategy.
TEST(RebalanceSmartMoe, ExampleRunsOnTheRealTrace) {
  const std::string data = std::string(MOESIM_SHARED_DATA_DIR) + "/smartmoe_moe_trace";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "no SmartMoE data at " << data;
  auto sc = load_scenario(std::string(MOESIM_SOURCE_DIR) + "/examples/sweeps/smartmoe_rebalance.textproto");
  ASSERT_TRUE(sc.ok()) << sc.message();
  EXPECT_EQ(sc->parallel().ep(), 16u);
  EXPECT_EQ(sc->model().num_routed_experts(), 32u);
  sc->set_steps(12);
  sc->set_simulated_layers(2);
  sc->set_network("analytic");
  // The example's trace path is relative to its folder; point it at the shared data found here.
  sc->mutable_routing()->set_trace_file(data);
  RebalanceOptions opt;
  opt.intervals = auto_intervals(12);  // 1, 2, 5, 10
  opt.step_weight = 10;
  auto st = run_rebalance_study(*sc, "smartmoe_rebalance.textproto", opt);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(st->outcomes.size(), 5u);
  for (const auto& o : st->outcomes) {
    EXPECT_GT(o.total_time_s, 0.0) << o.name;
    EXPECT_GE(o.mean_imbalance, 1.0) << o.name;
  }
  // Re-planning after every snapshot from the last one's loads balances better than a plan
  // made at iteration 1, when the load was near uniform and later grew skewed.
  EXPECT_LT(st->outcomes[1].mean_imbalance, st->outcomes[0].mean_imbalance);
}

}  // namespace
}  // namespace moesim::study
