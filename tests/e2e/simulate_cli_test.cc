// `moesim simulate` as a user runs it: the default, a scenario file, the real-trace replay and
// bad scenarios (exit 2, the field named, no output written).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_test_util.h"

namespace moesim::testing {
namespace {

// A small, fast scenario: 2 of the default DeepSeek-V3's MoE layers on one DGX node.
constexpr const char* kSmall = R"(
name: "small"
steps: 2
simulated_layers: 2
parallel { ep: 8 tokens_per_gpu: 1024 }
topology { preset: "dgx-h100" }
algorithm: "direct"
routing { model: "zipf" zipf_exponent: 0.8 sampled_tokens_per_gpu: 64 }
)";

TEST(SimulateCli, WritesAllOutputs) {
  const std::string dir = fresh_temp_dir();
  const std::string sc = write_temp_file(dir, "small.textproto", kSmall);
  auto r = run_moesim("simulate --scenario " + sc + " --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"result.pb", "summary.json", "steps.csv", "trace.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/out/" + f)) << f;
  }
  EXPECT_EQ(count_entries(dir + "/out"), 4) << "no temporaries left behind";
  EXPECT_NE(r.out.find("step time"), std::string::npos);
  EXPECT_NE(r.out.find("busiest links"), std::string::npos);
  std::ifstream in(dir + "/out/summary.json");
  auto j = nlohmann::json::parse(in);
  for (const char* k : {"step_time_s", "dispatch_time_s", "combine_time_s", "expert_compute_time_s",
                        "straggler_wait_time_s", "imbalance_max_over_mean", "tokens_dropped"}) {
    ASSERT_TRUE(j.contains(k)) << k;
  }
  EXPECT_GT(j["step_time_s"].get<double>(), 0);
  EXPECT_GE(j["imbalance_max_over_mean"].get<double>(), 1.0);
  // steps.csv: a header and one row per step.
  std::ifstream csv(dir + "/out/steps.csv");
  std::string line;
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 1 + 2);
}

TEST(SimulateCli, JsonAndOverrides) {
  const std::string dir = fresh_temp_dir();
  const std::string sc = write_temp_file(dir, "small.textproto", kSmall);
  auto a = run_moesim("simulate --scenario " + sc + " --json");
  auto b = run_moesim("simulate --scenario " + sc + " --json --zipf 1.6");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const double ta = nlohmann::json::parse(a.out)["step_time_s"].get<double>();
  const double tb = nlohmann::json::parse(b.out)["step_time_s"].get<double>();
  EXPECT_GT(tb, ta) << "more skew, same placement: slower";
  auto again = run_moesim("simulate --json --scenario " + sc);
  EXPECT_EQ(again.out, a.out) << "deterministic, whatever the flag order";
}

TEST(SimulateCli, ReplaysTheRealSmartMoeTrace) {
  const std::string data = std::string(MOESIM_SHARED_DATA_DIR) + "/smartmoe_moe_trace";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "real data not present: " << data;
  auto r = run_moesim("simulate --scenario " + std::string(MOESIM_SOURCE_DIR) +
                      "/examples/scenarios/smartmoe_replay.textproto --steps 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["num_gpus"], 16);
  // Step 0 replays iteration 1, near uniform (max/mean per expert under 1.9, per the data
  // README); per GPU (2 experts each) the imbalance is at most that.
  EXPECT_GT(j["imbalance_max_over_mean"].get<double>(), 1.0);
  EXPECT_LT(j["imbalance_max_over_mean"].get<double>(), 2.0);
}

void expect_bad(const std::string& args, const std::string& out_dir, const std::vector<std::string>& parts) {
  auto r = run_moesim(args + " --out " + out_dir);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
  for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << "'" << p << "' not in: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(out_dir)) << "no output on bad input";
}

TEST(SimulateCli, BadScenarios) {
  const std::string dir = fresh_temp_dir();
  const std::string out = dir + "/out";
  auto file = [&](const std::string& name, const std::string& text) { return write_temp_file(dir, name, text); };
  expect_bad("simulate --scenario " + file("topk.textproto",
                                           "model { num_layers: 4 hidden_size: 1024 moe_intermediate_size: 2048 "
                                           "num_routed_experts: 8 top_k: 9 dispatch_bytes_per_element: 2 "
                                           "combine_bytes_per_element: 2 weight_bytes_per_element: 2 }\n"
                                           "parallel { ep: 8 }\ntopology { preset: \"dgx-h100\" }"),
             out, {"topk.textproto", "model.top_k", "9", "8"});
  expect_bad("simulate --scenario " + file("ep.textproto", "parallel { ep: 48 }\ntopology { preset: \"rail\" params { key: \"nodes\" value: \"6\" } }"),
             out, {"ep.textproto", "parallel.ep", "do not divide"});
  expect_bad("simulate --scenario " + file("unknown.textproto", "steps: 1\nwarp_drive: true\n"), out,
             {"unknown.textproto:2:", "warp_drive"});
  expect_bad("simulate --scenario " + file("neg.textproto", "parallel { tokens_per_gpu: -5 }\n"), out,
             {"neg.textproto:1:", "tokens_per_gpu"});
  expect_bad("simulate --scenario " + file("bad.json", "{\"steps\": \"many\"}"), out, {"bad.json", "steps"});
  // A value written as 0 is kept and validated, not taken for "not given" (optional fields).
  expect_bad("simulate --scenario " + file("zero.textproto", "parallel { tokens_per_gpu: 0 }\n"), out,
             {"zero.textproto", "parallel.tokens_per_gpu", "at least 1"});
  expect_bad("simulate --scenario " + file("zero_steps.json", "{\"steps\": 0}"), out, {"zero_steps.json", "steps"});
  const std::string trace = file("four.csv", "step,layer,expert,tokens\n0,0,0,1\n0,0,1,2\n0,0,2,3\n0,0,3,4\n");
  expect_bad("simulate --trace " + trace, out, {"four.csv", "4", "256"});
  expect_bad("simulate --steps 1000000000000", out, {"--steps"});
  expect_bad("simulate --ep 1000000 --dp 1000000", out, {"refused"});
  expect_bad("simulate --scenario " + dir + "/missing.textproto", out, {"missing.textproto", "cannot open"});
  expect_bad("simulate --placement-policy telepathy", out, {"placement", "telepathy"});
}

}  // namespace
}  // namespace moesim::testing
