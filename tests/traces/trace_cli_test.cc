// End to end: the built `moesim trace` binary on small files, the real data, and bad input.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/traces/trace_test_util.h"

namespace moesim {
namespace {

using testing::ScratchDir;

struct CliRun {
  int code;
  std::string out;  // stdout and stderr together
};

CliRun run(const std::string& args) {
  const std::string bin = std::string(MOESIM_BIN_DIR) + "/moesim";
  const std::string cmd = bin + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  CliRun r{-1, ""};
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class TraceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(MOESIM_BIN_DIR) + "/moesim")) GTEST_SKIP() << "moesim not built";
  }
};

TEST_F(TraceCli, StatsTextAndJson) {
  ScratchDir dir;
  const std::string p = dir.write("t.csv", "step,layer,expert,tokens\n5,0,0,30\n5,0,1,10\n9,0,0,20\n9,0,1,20\n");
  CliRun r = run("trace stats " + p);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("shape    2 steps x 1 layers x 2 experts"), std::string::npos) << r.out;
  // Step 5: max 30 / mean 20 = 1.5; step 9: 1.0.
  EXPECT_NE(r.out.find("layer 0              1.50     1.00     1.50            5"), std::string::npos) << r.out;
  CliRun j = run("trace stats --json " + p);
  ASSERT_EQ(j.code, 0) << j.out;
  const auto js = nlohmann::json::parse(j.out);
  EXPECT_EQ(js["num_steps"], 2);
  EXPECT_EQ(js["total_tokens"], 80.0);
  EXPECT_EQ(js["layers"][0]["imbalance_first"], 1.5);
  EXPECT_EQ(js["steps"][1]["step_id"], 9);
  EXPECT_EQ(js["hottest"][0]["expert"], 0);
  EXPECT_EQ(js["hottest"][0]["tokens"], 50.0);
}

TEST_F(TraceCli, ConvertRoundTrip) {
  ScratchDir dir;
  const std::string p = dir.write("t.csv", "step,layer,expert,tokens\n5,0,0,30\n5,0,1,10\n");
  for (const char* out : {"o.pb", "o.json", "o.textproto", "o.npy", "o.csv"}) {
    CliRun c = run("trace convert " + p + " " + dir.path(out));
    ASSERT_EQ(c.code, 0) << c.out;
    EXPECT_NE(c.out.find("wrote " + dir.path(out) + " (1 steps x 1 layers x 2 experts)"), std::string::npos) << c.out;
    CliRun s = run("trace stats --json " + dir.path(out));
    ASSERT_EQ(s.code, 0) << s.out;
    EXPECT_EQ(nlohmann::json::parse(s.out)["total_tokens"], 40.0) << out;
  }
}

TEST_F(TraceCli, BadInputExits2AndWritesNothing) {
  ScratchDir dir;
  const std::string p = dir.write("t.csv", "step,layer,expert,tokens\n5,0,0,30\n5,0,0,10\n");
  CliRun r = run("trace convert " + p + " " + dir.path("out.pb"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "moesim: " + p + ":line 3: duplicate cell step 5, layer 0, expert 0 (first given at line 2)\n");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "only the input remains: no output, no temporary";
  EXPECT_EQ(run("trace stats " + dir.path("missing.csv")).code, 2);
  CliRun flag = run("trace stats --frobnicate " + p);
  EXPECT_EQ(flag.code, 2);
  EXPECT_NE(flag.out.find("--frobnicate"), std::string::npos) << flag.out;
  EXPECT_EQ(run("trace frob").code, 2);
  EXPECT_EQ(run("trace convert " + p).code, 2);  // OUT missing
  EXPECT_EQ(run("trace --help").code, 0);
  const std::string good = dir.write("g.csv", "step,layer,expert,tokens\n5,0,0,30\n");
  CliRun ext = run("trace convert " + good + " " + dir.path("o.xyz"));
  EXPECT_EQ(ext.code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path("o.xyz")));
}

TEST_F(TraceCli, RealSmartMoe) {
  const std::string path = testing::shared_data("smartmoe_moe_trace");
  MOESIM_SKIP_IF_MISSING(path);
  CliRun r = run("trace stats " + path);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("501 steps x 24 layers x 32 experts (per-rank counts from 16 ranks)"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace moesim
