// `moesim sweep` and `moesim rebalance` end to end: the built binary on files written here.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/cli_test_util.h"
#include "tests/sim/study/study_test_files.h"

namespace moesim::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

class StudyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(MOESIM_BIN_DIR) + "/moesim")) GTEST_SKIP() << "moesim not built";
    dir_ = fresh_temp_dir();
    write_temp_file(dir_, "tiny.textproto", kTinyScenario);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_;
};

TEST_F(StudyCliTest, SweepWritesOneRowPerPoint) {
  const std::string sweep = write_temp_file(dir_, "grid.textproto", kTinySweep);
  const std::string out = dir_ + "/results.csv";
  auto r = run_moesim("sweep " + sweep + " --out " + out + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("12 point(s), 0 failed"), std::string::npos) << r.out;
  const auto rows = lines(slurp(out));
  ASSERT_EQ(rows.size(), 1u + 2 * 2 * 3);
  EXPECT_EQ(rows[0],
            "point,placement_policy,redundant_experts,zipf_exponent,step_time_s,dispatch_time_s,combine_time_s,"
            "expert_compute_time_s,straggler_wait_time_s,imbalance_max_over_mean,tokens_dropped,migration_time_s,error");
  // Row 8 = point 7 = (1, 0, 1): balanced, 0 redundant, exponent 0.8; it ran (empty error cell).
  EXPECT_EQ(rows[8].rfind("7,balanced,0,0.8,", 0), 0u) << rows[8];
  EXPECT_EQ(rows[8].back(), ',');
  // Without --out the same CSV goes to stdout; --json gives the rows as objects.
  auto again = run_moesim("sweep " + sweep + " --quiet");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, slurp(out));
  // Threads change the schedule, not the bytes.
  auto threaded = run_moesim("sweep " + sweep + " --quiet --jobs 3");
  ASSERT_EQ(threaded.exit_code, 0) << threaded.err;
  EXPECT_EQ(threaded.out, slurp(out));
  auto json = run_moesim("sweep " + sweep + " --json --quiet");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j.size(), 12u);
  EXPECT_EQ(j[7]["placement_policy"], "balanced");
  EXPECT_GT(j[7]["step_time_s"].get<double>(), 0.0);
}

TEST_F(StudyCliTest, FailedPointIsReportedAndTheSweepGoesOn) {
  // 8 experts + 2 redundant = 10 slots do not divide over 4 GPUs: those points fail.
  const std::string sweep = write_temp_file(dir_, "grid.textproto", R"(base_scenario_file: "tiny.textproto"
axes { redundant_experts: [0, 2, 4] })");
  const std::string out = dir_ + "/results.csv";
  auto r = run_moesim("sweep " + sweep + " --out " + out + " --quiet");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rows = lines(slurp(out));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].back(), ',');  // point 0 ran
  EXPECT_NE(rows[2].find("point 1"), std::string::npos) << rows[2];
  EXPECT_NE(rows[2].find("redundant"), std::string::npos) << rows[2];
  EXPECT_EQ(rows[3].back(), ',');  // point 2 ran
}

TEST_F(StudyCliTest, BadSweepFileExitsTwoNamingTheField) {
  const std::string out = dir_ + "/results.csv";
  const std::string unknown = write_temp_file(dir_, "a.textproto", "base_scenario_file: \"tiny.textproto\"\naxes { colours: [1] }\n");
  auto r = run_moesim("sweep " + unknown + " --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("colours"), std::string::npos) << r.err;
  const std::string bad_alg = write_temp_file(dir_, "b.textproto", "base_scenario_file: \"tiny.textproto\"\naxes { algorithms: [\"ring\"] }\n");
  r = run_moesim("sweep " + bad_alg + " --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("b.textproto:axes.algorithms[0]"), std::string::npos) << r.err;
  const std::string no_base = write_temp_file(dir_, "c.textproto", "base_scenario_file: \"missing.textproto\"\n");
  r = run_moesim("sweep " + no_base + " --out " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("base_scenario_file"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));  // no partial output
  EXPECT_EQ(run_moesim("sweep").exit_code, 2);
  EXPECT_EQ(run_moesim("sweep " + bad_alg + " --frobnicate").exit_code, 2);
  EXPECT_EQ(run_moesim("sweep --help").exit_code, 0);
}

TEST_F(StudyCliTest, RebalanceReportsEveryStrategyAndWritesStepTimes) {
  // The tiny scenario with drifting Zipf popularity and a load-aware placement with replicas.
  std::string sc = kTinyScenario;
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = sc.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    sc.replace(at, from.size(), to);
  };
  replace("zipf_exponent: 0.5", "zipf_exponent: 1.2 drift_per_step: 0.5");
  replace("policy: \"contiguous\"", "policy: \"balanced\" redundant_experts: 4");
  replace("steps: 2", "steps: 6");
  const std::string path = write_temp_file(dir_, "drift.textproto", sc);
  const std::string csv = dir_ + "/steps.csv";
  auto r = run_moesim("rebalance --scenario " + path + " --every 1,2 --out " + csv + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("static"), std::string::npos);
  EXPECT_NE(r.out.find("every 2"), std::string::npos);
  EXPECT_NE(r.out.find("best:"), std::string::npos);
  const auto rows = lines(slurp(csv));
  ASSERT_EQ(rows.size(), 1u + 6);
  EXPECT_EQ(rows[0], "step,static,every_1,every_2");
  auto j = run_moesim("rebalance --scenario " + path + " --auto --json --quiet");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto parsed = nlohmann::json::parse(j.out);
  ASSERT_EQ(parsed["strategies"].size(), 1u + 3);  // static, 1, 2, 5 (below 6 steps)
  EXPECT_TRUE(parsed["best"].contains("rebalance_every"));
  auto threaded = run_moesim("rebalance --scenario " + path + " --auto --json --quiet --jobs 2");
  ASSERT_EQ(threaded.exit_code, 0) << threaded.err;
  EXPECT_EQ(threaded.out, j.out);
  // Bad input: exit 2, no output file.
  EXPECT_EQ(run_moesim("rebalance --scenario " + path + " --every 0").exit_code, 2);
  EXPECT_EQ(run_moesim("rebalance --every 1").exit_code, 2);
  EXPECT_EQ(run_moesim("rebalance --scenario " + path + " --every 1 --auto").exit_code, 2);
  const std::string none = dir_ + "/none.csv";
  EXPECT_EQ(run_moesim("rebalance --scenario " + path + " --redundant-experts 3 --out " + none).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(none));
}

}  // namespace
}  // namespace moesim::testing
