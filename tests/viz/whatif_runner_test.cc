#include "viz/whatif_runner.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/viz/synthetic_result.h"
#include "traces/file_io.h"
#include "traces/proto_io.h"

namespace moesim::viz {
namespace {

std::string test_dir() {
  // One folder per test process: ctest -j runs these tests at once, and a shared fake_moesim.sh
  // would be overwritten by a neighbour between writing and running it.
  const std::string dir = ::testing::TempDir() + "/viz_whatif_test_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

// A stand-in for the moesim executable: a shell script that checks its arguments the way
// `moesim simulate` gets them and copies a prepared result.pb into --out.
std::string fake_moesim(const std::string& body) {
  const std::string path = test_dir() + "/fake_moesim.sh";
  EXPECT_TRUE(write_file_atomic(path, "#!/bin/sh\n" + body).ok());
  ::chmod(path.c_str(), 0755);
  return path;
}

WhatIfRunner::State wait_for(const WhatIfRunner& runner) {
  for (int i = 0; i < 600 && runner.state() == WhatIfRunner::State::kRunning; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return runner.state();
}

TEST(WhatIfCommand, PassesTheChangedFlags) {
  WhatIfRequest r;
  r.moesim_path = "/bin/moesim";
  r.placement_policy = "eplb";
  r.rebalance_every = 50;
  EXPECT_EQ(whatif_command(r, "/w/s.textproto", "/w/out"),
            (std::vector<std::string>{"/bin/moesim", "simulate", "--scenario", "/w/s.textproto", "--placement-policy",
                                      "eplb", "--rebalance-every", "50", "--out", "/w/out"}));
  r.placement_policy.clear();
  r.rebalance_every = -1;  // keep both
  EXPECT_EQ(whatif_command(r, "s", "o"), (std::vector<std::string>{"/bin/moesim", "simulate", "--scenario", "s", "--out", "o"}));
}

TEST(WhatIfRunner, RunsTheChildAndLoadsItsResult) {
  testing::SyntheticShape shape;
  SimResult prepared = testing::make_synthetic_result(shape);
  prepared.mutable_summary()->set_step_time_s(0.123);
  const std::string prepared_path = test_dir() + "/prepared.pb";
  ASSERT_TRUE(save_proto(prepared_path, prepared).ok());
  // The script fails unless it gets simulate, an existing scenario holding the original's
  // name, and the policy flag.
  const std::string script = fake_moesim(
      "[ \"$1\" = simulate ] || exit 9\n"
      "grep -q 'synthetic viz fixture' \"$3\" || exit 8\n"
      "[ \"$5\" = eplb ] || exit 7\n"
      "out=\"$9\"\n"
      "mkdir -p \"$out\" && cp '" + prepared_path + "' \"$out/result.pb\"\n");
  WhatIfRunner runner;
  WhatIfRequest req;
  req.moesim_path = script;
  req.scenario = testing::make_synthetic_result(shape).scenario();
  req.placement_policy = "eplb";
  req.rebalance_every = 10;
  req.label = "what-if: eplb";
  ASSERT_TRUE(runner.start(req).ok());
  ASSERT_EQ(wait_for(runner), WhatIfRunner::State::kDone) << runner.message();
  auto doc = runner.take_result();
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->label(), "what-if: eplb");
  EXPECT_DOUBLE_EQ(doc->result().summary().step_time_s(), 0.123);
  EXPECT_EQ(runner.take_result(), nullptr);  // handed over once
}

TEST(WhatIfRunner, ReportsTheChildsFailure) {
  const std::string script = fake_moesim("echo 'moesim: --placement-policy: unknown policy nope' >&2\nexit 2\n");
  WhatIfRunner runner;
  WhatIfRequest req;
  req.moesim_path = script;
  req.placement_policy = "nope";
  ASSERT_TRUE(runner.start(req).ok());
  ASSERT_EQ(wait_for(runner), WhatIfRunner::State::kFailed);
  EXPECT_NE(runner.message().find("exited with code 2"), std::string::npos) << runner.message();
  EXPECT_NE(runner.message().find("unknown policy nope"), std::string::npos) << runner.message();
}

TEST(WhatIfRunner, CancelStopsALongRun) {
  const std::string script = fake_moesim("exec sleep 30\n");
  WhatIfRunner runner;
  WhatIfRequest req;
  req.moesim_path = script;
  ASSERT_TRUE(runner.start(req).ok());
  EXPECT_FALSE(runner.start(req).ok());  // one run at a time
  const auto t0 = std::chrono::steady_clock::now();
  runner.cancel();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(runner.state(), WhatIfRunner::State::kFailed);
}

TEST(WhatIfRunner, MissingExecutable) {
  WhatIfRunner runner;
  WhatIfRequest req;
  req.moesim_path = test_dir() + "/no-such-moesim";
  const Status st = runner.start(req);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("simulator executable not found"), std::string::npos);
}

}  // namespace
}  // namespace moesim::viz
