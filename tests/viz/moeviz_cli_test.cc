// The moeviz command line: screenshots of every view, exit codes, and the messages for files
// that do not open. Runs the built executable under the test's X display.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/viz/headless_util.h"
#include "tests/viz/synthetic_result.h"
#include "traces/file_io.h"
#include "traces/proto_io.h"

namespace moesim::viz {
namespace {

const std::string kMoeviz = std::string(MOESIM_BIN_DIR) + "/moeviz";

std::string synthetic_result_file() {
  const std::string path = testing::scratch_dir() + "/cli_result.pb";
  if (!std::filesystem::exists(path)) {
    testing::SyntheticShape shape;
    EXPECT_TRUE(save_proto(path, testing::make_synthetic_result(shape)).ok());
  }
  return path;
}

#define SKIP_WITHOUT_DISPLAY() \
  if (std::getenv("DISPLAY") == nullptr) GTEST_SKIP() << "no X display (run under xvfb-run)";

TEST(MoevizCli, HelpAndBadFlags) {
  auto r = testing::run_command(kMoeviz + " --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("usage: moeviz"), std::string::npos);
  r = testing::run_command(kMoeviz + " --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("moeviz: --bogus: unknown flag"), std::string::npos) << r.output;
  r = testing::run_command(kMoeviz + " x.pb --size 10x10 --screenshot y.png");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--size"), std::string::npos) << r.output;
  r = testing::run_command(kMoeviz + " --screenshot y.png");
  EXPECT_EQ(r.exit_code, 2);
}

TEST(MoevizCli, ScreenshotOfEveryView) {
  SKIP_WITHOUT_DISPLAY();
  const std::string result = synthetic_result_file();
  for (const char* view : {"overview", "expert-load", "placement", "traffic", "topology", "timeline", "what-if"}) {
    const std::string png = testing::scratch_dir() + "/cli_" + view + ".png";
    std::filesystem::remove(png);
    const auto r = testing::run_command(kMoeviz + " " + result + " --view " + view + " --size 900x600 --screenshot " + png);
    ASSERT_EQ(r.exit_code, 0) << view << ": " << r.output;
    auto bytes = read_file(png);
    ASSERT_TRUE(bytes.ok()) << bytes.message();
    testing::Image img;
    std::string error;
    ASSERT_TRUE(testing::decode_png(bytes.value(), &img, &error)) << error;
    EXPECT_EQ(img.width, 900);
    EXPECT_EQ(img.height, 600);
    EXPECT_GT(testing::distinct_colors(img), 10) << view;
  }
}

TEST(MoevizCli, BadFilesExitWithTwoAndWriteNothing) {
  SKIP_WITHOUT_DISPLAY();
  const std::string dir = testing::scratch_dir();
  const std::string png = dir + "/cli_bad.png";
  std::string bytes;
  testing::SyntheticShape shape;
  ASSERT_TRUE(testing::make_synthetic_result(shape).SerializeToString(&bytes));
  const std::string truncated = dir + "/cli_truncated.pb";
  ASSERT_TRUE(write_file_atomic(truncated, bytes.substr(0, bytes.size() / 2 + 7)).ok());
  const std::string wrong = dir + "/cli_wrong.json";
  ASSERT_TRUE(write_file_atomic(wrong, "{\"not_a_field\": 1}").ok());
  for (const std::string& bad : {dir + "/cli_missing.pb", truncated, wrong}) {
    std::filesystem::remove(png);
    // A good file beside the bad one does not change the verdict in screenshot mode.
    const auto r = testing::run_command(kMoeviz + " " + synthetic_result_file() + " " + bad + " --screenshot " + png);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("moeviz: " + bad + ":"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(png)) << bad;
  }
  const auto r = testing::run_command(kMoeviz + " " + synthetic_result_file() + " --view nope --screenshot " + png);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown view 'nope'"), std::string::npos) << r.output;
}

TEST(MoevizCli, ExpertLoadTraceProtoOpensAsATrace) {
  SKIP_WITHOUT_DISPLAY();
  ExpertLoadTrace t;
  t.set_num_steps(2);
  t.set_num_layers(2);
  t.set_num_experts(8);
  for (int i = 0; i < 32; ++i) t.add_counts(i);
  const std::string path = testing::scratch_dir() + "/cli_trace.pb";
  ASSERT_TRUE(save_proto(path, t).ok());
  const std::string png = testing::scratch_dir() + "/cli_trace.png";
  const auto r = testing::run_command(kMoeviz + " " + path + " --view expert-load --size 800x600 --screenshot " + png);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(png));
}

TEST(MoevizCli, BenchmarkPrintsFrameTimes) {
  SKIP_WITHOUT_DISPLAY();
  const auto r = testing::run_command(kMoeviz + " " + synthetic_result_file() +
                                      " --view timeline --benchmark-frames 5 --size 800x600");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("moeviz benchmark: view timeline, 800x600, 5 frames: mean"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace moesim::viz
