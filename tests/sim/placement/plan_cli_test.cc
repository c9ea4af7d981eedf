// `moesim plan` end to end: runs the built binary (MOESIM_BIN_DIR) on files written here.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "traces/file_io.h"
#include "traces/proto/placement.pb.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult run(const std::string& args, bool merge_stderr = true) {
  const std::string cmd = std::string(MOESIM_BIN_DIR) + "/moesim plan " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class PlanCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(MOESIM_BIN_DIR) + "/moesim")) GTEST_SKIP() << "moesim not built";
    dir_ = std::filesystem::temp_directory_path() /
           ("moesim_plan_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
    loads_ = (dir_ / "loads.json").string();
    ASSERT_TRUE(write_file_atomic(loads_, "[[90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],"
                                          " [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27]]")
                    .ok());
  }
  std::filesystem::path dir_;
  std::string loads_;
};

TEST_F(PlanCliTest, JsonHasTheFieldsAndEplbParity) {
  const auto r = run("--loads " + loads_ + " --replicas 16 --groups 4 --nodes 2 --gpus 8 --policy eplb --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  for (const char* k : {"phy2log", "logcnt", "gpu_load", "imbalance"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["phy2log"][0].get<std::vector<int>>(),
            (std::vector<int>{5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1}));
  EXPECT_EQ(j["logcnt"][1].get<std::vector<int>>(), (std::vector<int>{1, 2, 1, 1, 1, 2, 2, 1, 2, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(j["gpu_load"][0][6].get<double>(), 156.0);  // experts 0 (90) and 1 (132 / 2)
  EXPECT_EQ(j["imbalance"].size(), 2u);
}

TEST_F(PlanCliTest, TableAndOutFile) {
  const std::string out = (dir_ / "placement.json").string();
  const auto r = run("--loads=" + loads_ + " --replicas=16 --gpus=8 --nodes=2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("policy balanced"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lower bound"), std::string::npos) << r.output;
  Placement p;
  ASSERT_TRUE(load_proto(out, &p).ok());
  EXPECT_EQ(p.layers_size(), 2);
  EXPECT_EQ(p.layers(0).phy2log_size(), 16);
}

TEST_F(PlanCliTest, HelpListsPolicies) {
  const auto r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* name : {"balanced", "eplb", "affinity", "contiguous", "round-robin", "hottest experts"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  }
}

TEST_F(PlanCliTest, BadInputExitsTwoWithMessageAndNoOutput) {
  const std::string out = (dir_ / "never.pb").string();
  struct Case {
    std::string args, expected;
  };
  const std::vector<Case> cases = {
      {"--loads " + loads_ + " --replicas 16 --gpus 3 --out " + out, "--replicas: 16 slots do not divide evenly over 3 GPUs"},
      {"--loads " + loads_ + " --replicas 8 --gpus 8", "fewer than the 12 logical experts"},
      {"--loads " + loads_ + " --replicas 16 --gpus 8 --nodes 3", "do not divide evenly over 3 nodes"},
      {"--loads " + loads_ + " --replicas 16 --gpus 8 --policy nope", "unknown placement policy 'nope'"},
      {"--loads " + loads_ + " --replicas 16 --gpus 8 --frobnicate 1", "unknown flag '--frobnicate'"},
      {"--loads " + loads_ + " --replicas x --gpus 8", "--replicas: 'x' is not an integer"},
      {"--loads /no/such.csv --replicas 16 --gpus 8", "/no/such.csv"},
      {"--replicas 16 --gpus 8", "--loads: is required"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find("moesim: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.args << "\n" << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
  const std::string bad = (dir_ / "bad.csv").string();
  ASSERT_TRUE(write_file_atomic(bad, "1,2,3\n4,-5,6\n").ok());
  const auto r = run("--loads " + bad + " --replicas 3 --gpus 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(bad + ":layer 1, expert 1: negative count -5"), std::string::npos) << r.output;
}

TEST_F(PlanCliTest, AffinityReportsCrossNodeCoactivation) {
  const std::string coact = (dir_ / "coact.csv").string();
  std::string csv;
  for (int i = 0; i < 12; ++i) {
    for (int j = 0; j < 12; ++j) csv += std::string(j ? "," : "") + (i != j && i % 2 == j % 2 ? "10" : "0");
    csv += "\n";
  }
  ASSERT_TRUE(write_file_atomic(coact, csv).ok());
  const auto r = run("--loads " + loads_ + " --replicas 16 --gpus 8 --nodes 2 --policy affinity --coactivation " +
                         coact + " --json",
                     false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_TRUE(j.contains("cross_node_coactivation"));
  EXPECT_EQ(j["cross_node_coactivation"].size(), 2u);
}

}  // namespace
}  // namespace moesim
