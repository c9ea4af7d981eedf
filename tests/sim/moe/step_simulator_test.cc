// The step simulator against hand-computed step times, determinism and input errors.
#include "sim/moe/step_simulator.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sim/moe/scenario.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

// Two GPUs on a star switch (100 GB/s links, 1 us latency), one MoE layer with two experts and
// top-2: every token goes to both experts, so routing is certain whatever the sampling.
Scenario two_gpu_scenario(const std::string& mode) {
  Scenario s;
  auto st = parse_proto(R"(
    name: "two-gpu"
    steps: 1
    seed: 7
    model {
      num_layers: 1 first_k_dense: 0 moe_layer_interval: 1
      hidden_size: 1024 moe_intermediate_size: 2048 dense_intermediate_size: 4096
      num_routed_experts: 2 num_shared_experts: 0 top_k: 2
      num_attention_heads: 8 head_dim: 128 seq_len: 1024
      dispatch_bytes_per_element: 2 combine_bytes_per_element: 2 weight_bytes_per_element: 2
      gated_ffn: true
    }
    parallel { ep: 2 dp: 1 tp: 1 tokens_per_gpu: 4096 micro_batches: 1 }
    topology { preset: "star" params { key: "gpus" value: "2" } params { key: "link_bw" value: "100GB/s" }
               params { key: "latency" value: "1us" } }
    algorithm: "direct"
    network: "flow"
    routing { model: "uniform" sampled_tokens_per_gpu: 64 }
    placement { policy: "contiguous" }
    hardware { name: "h100" peak_flops: 1e15 hbm_bytes_per_s: 2e12 kernel_launch_s: 5e-6
               max_gemm_efficiency: 0.5 half_efficiency_tokens: 100 dense_efficiency: 0.5 }
  )", ProtoFormat::kText, "two-gpu", &s);
  EXPECT_TRUE(st.ok()) << st.message();
  s.set_mode(mode);
  return s;
}

SimResult run(const Scenario& s) {
  auto sim = StepSimulator::create(s, "test");
  EXPECT_TRUE(sim.ok()) << sim.message();
  auto r = (*sim)->run();
  EXPECT_TRUE(r.ok()) << r.message();
  return *r;
}

// The closed form, written out independently of the simulator's code.
struct HandTimes {
  double dense, a2a, expert;
};
HandTimes hand_times(double passes) {
  const double h = 1024, f = 2048, ad = 8 * 128, seq = 1024, experts = 2, tokens = 4096;
  const double peak = 1e15, launch = 5e-6;
  // Attention projections 2h(3ad) + 2(ad)h, scores 2 s (ad), gating 2 h E, per token.
  const double dense_flops = tokens * (2 * h * 3 * ad + 2 * ad * h + 2 * seq * ad + 2 * h * experts);
  const double dense = passes * dense_flops / (peak * 0.5) + launch;
  // Each GPU sends its 4096 tokens once to the other GPU: 4096 x 1024 x 2 bytes over a 100 GB/s
  // path (uplink, downlink) alone: launch 10 us + bytes / C + 2 x 1 us.
  const double a2a = 10e-6 + tokens * h * 2 / 100e9 + 2e-6;
  // Each GPU's expert gets 8192 tokens (its own and the other GPU's): SwiGLU 2 x 3 h f FLOPs
  // per token at efficiency 0.5 x 8192 / (8192 + 100); weights (3 h f x 2 bytes) stream in far
  // faster than that.
  const double t = 2 * tokens;
  const double eff = 0.5 * t / (t + 100);
  const double expert = passes * t * 2 * 3 * h * f / (peak * eff) + launch;
  return {dense, a2a, expert};
}

TEST(StepSimulator, PrefillStepMatchesHandComputation) {
  const SimResult r = run(two_gpu_scenario("prefill"));
  const HandTimes h = hand_times(1);
  const double expect = h.dense + h.a2a + h.expert + h.a2a;
  ASSERT_EQ(r.steps_size(), 1);
  EXPECT_NEAR(r.steps(0).step_time_s(), expect, 1e-9 * expect);
  EXPECT_NEAR(r.summary().dispatch_time_s(), h.a2a, 1e-12);
  EXPECT_NEAR(r.summary().combine_time_s(), h.a2a, 1e-12);
  EXPECT_NEAR(r.summary().expert_compute_time_s(), h.expert, 1e-12);
  EXPECT_NEAR(r.summary().straggler_wait_time_s(), 0.0, 1e-15);  // both GPUs carry the same load
  EXPECT_NEAR(r.summary().imbalance_max_over_mean(), 1.0, 1e-12);
  // Every GPU received 8192 tokens: its own 4096 and the other's 4096.
  for (double x : r.layers(0).tokens_per_gpu()) EXPECT_DOUBLE_EQ(x, 8192);
}

TEST(StepSimulator, TrainingAddsTheMirroredBackward) {
  const SimResult r = run(two_gpu_scenario("training"));
  const HandTimes f = hand_times(1), b = hand_times(2);
  // Forward: dense, dispatch, experts, combine. Backward: 2x dense, combine-grad, 2x experts,
  // dispatch-grad; both all-to-alls carry the same bytes here.
  const double expect = f.dense + 2 * f.a2a + f.expert + b.dense + 2 * b.a2a + b.expert;
  EXPECT_NEAR(r.steps(0).step_time_s(), expect, 1e-9 * expect);
}

TEST(StepSimulator, MicroBatchesScaleTheStep) {
  Scenario s = two_gpu_scenario("prefill");
  const double one = run(s).steps(0).step_time_s();
  s.mutable_parallel()->set_micro_batches(3);
  EXPECT_NEAR(run(s).steps(0).step_time_s(), 3 * one, 1e-9 * one);
}

TEST(StepSimulator, Deterministic) {
  Scenario s = default_scenario();
  s.set_simulated_layers(3);
  s.set_steps(2);
  std::string a, b;
  run(s).SerializeToString(&a);
  run(s).SerializeToString(&b);
  EXPECT_EQ(a, b);
}

Status create_error(const Scenario& s) {
  auto sim = StepSimulator::create(s, "bad.textproto");
  return sim.ok() ? Status() : Status(sim.error());
}

void expect_error(const Scenario& s, const std::vector<std::string>& parts) {
  Status st = create_error(s);
  ASSERT_FALSE(st.ok()) << "accepted";
  for (const auto& p : parts) EXPECT_NE(st.message().find(p), std::string::npos) << "'" << p << "' not in: " << st.message();
}

TEST(StepSimulator, BadScenarios) {
  Scenario s = default_scenario();
  s.mutable_model()->set_top_k(300);
  expect_error(s, {"bad.textproto", "model.top_k", "300", "256"});

  s = default_scenario();
  s.mutable_parallel()->set_ep(48);
  s.mutable_topology()->mutable_params()->at("nodes") = "6";
  expect_error(s, {"parallel.ep", "do not divide", "redundant"});

  s = default_scenario();
  s.mutable_parallel()->set_dp(2);
  expect_error(s, {"topology", "64 GPUs", "128"});

  s = default_scenario();
  s.set_steps(0);
  expect_error(s, {"steps"});

  s = default_scenario();
  s.set_algorithm("carrier-pigeon");
  expect_error(s, {"algorithm", "carrier-pigeon"});

  s = default_scenario();
  s.mutable_routing()->set_zipf_exponent(-1);
  expect_error(s, {"routing.zipf_exponent"});

  s = default_scenario();
  s.mutable_parallel()->set_ep(1000000);
  s.mutable_parallel()->set_dp(1000000);
  expect_error(s, {"refused"});
}

TEST(StepSimulator, TraceWithWrongExpertCount) {
  // A trace of 4 experts replayed on a model with 8.
  const auto dir = std::filesystem::temp_directory_path() / "moesim_step_sim_trace";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "four.csv").string();
  std::ofstream(path) << "step,layer,expert,tokens\n0,0,0,10\n0,0,1,20\n0,0,2,30\n0,0,3,40\n";
  Scenario s = two_gpu_scenario("prefill");
  s.mutable_model()->set_num_routed_experts(8);
  s.mutable_routing()->set_model("trace");
  s.mutable_routing()->set_trace_file(path);
  expect_error(s, {path, "4", "8"});
}

TEST(StepSimulator, UnknownFieldInScenarioFile) {
  const auto dir = std::filesystem::temp_directory_path() / "moesim_step_sim_scenario";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "s.textproto").string();
  std::ofstream(path) << "steps: 2\nparallel {\n  ep: 64\n  warp_speed: 9\n}\n";
  auto r = load_scenario(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find(path + ":4:"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("warp_speed"), std::string::npos) << r.message();
}

}  // namespace
}  // namespace moesim
