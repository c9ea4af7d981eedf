// `moesim alltoall` and `moesim topology` as a user runs them: good input and bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_test_util.h"

namespace moesim::testing {
namespace {

TEST(AllToAllCli, UniformJsonHasTheDocumentedFields) {
  auto r = run_moesim("alltoall --topology star:gpus=4,link_bw=100GB/s,latency=0 --bytes-per-peer 1MB "
                      "--launch-overhead 0 --per-message-overhead 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"num_gpus", "num_flows", "completion_time_s", "algbw_gb_per_s", "busbw_gb_per_s", "max_link_utilization"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["num_gpus"], 4);
  // 3 MB leave each GPU over a 100 GB/s link: 30 us; busbw = C = 100 GB/s (nccl-tests definition).
  EXPECT_NEAR(j["completion_time_s"].get<double>(), 30e-6, 1e-9);
  EXPECT_NEAR(j["busbw_gb_per_s"].get<double>(), 100.0, 1e-6);
}

TEST(AllToAllCli, HumanTableAndSweep) {
  auto r = run_moesim("alltoall --topology dgx-h100 --sweep");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("busbw(GB/s)"), std::string::npos);
  // 1 KiB .. 1 GiB doubling = 21 sizes; the first is 1 KiB x 8 GPUs = 8192 B.
  int rows = 0;
  size_t pos = 0;
  while ((pos = r.out.find("\n  ", pos)) != std::string::npos) {
    ++rows;
    ++pos;
  }
  EXPECT_EQ(rows, 21);
  EXPECT_NE(r.out.find(" 8192 "), std::string::npos);
  EXPECT_NE(r.out.find("busiest links"), std::string::npos);
}

TEST(AllToAllCli, MatrixFile) {
  const std::string dir = fresh_temp_dir();
  const std::string m = write_temp_file(dir, "m.csv", "0,1000,0\n0,0,2000\n3000,0,0\n");
  auto r = run_moesim("alltoall --topology star:gpus=3,link_bw=1GB/s,latency=0 --matrix " + m +
                      " --launch-overhead 0 --per-message-overhead 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  // Disjoint pairs, no sharing: the largest, 3000 B at 1 GB/s, takes 3 us.
  EXPECT_NEAR(j["completion_time_s"].get<double>(), 3e-6, 1e-12);
}

void expect_bad(const std::string& args, const std::vector<std::string>& parts) {
  auto r = run_moesim(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
  EXPECT_EQ(r.err.rfind("moesim: ", 0), 0u) << r.err;
  for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << "'" << p << "' not in: " << r.err;
}

TEST(AllToAllCli, BadInput) {
  const std::string dir = fresh_temp_dir();
  expect_bad("alltoall --topology hypercube --bytes-per-peer 1MiB", {"unknown preset 'hypercube'"});
  expect_bad("alltoall --topology star --bytes-per-peer -5", {"--bytes-per-peer", "must be >= 0"});
  expect_bad("alltoall --topology star --bytes-per-peer 5parsecs", {"--bytes-per-peer", "unknown size unit"});
  expect_bad("alltoall --topology star --bytes-per-peer 1MiB --algorithm teleport", {"--algorithm", "teleport"});
  expect_bad("alltoall --topology star --bytes-per-peer 1MiB --frobnicate", {"unknown flag '--frobnicate'"});
  expect_bad("alltoall --bytes-per-peer 1MiB", {"--topology is required"});
  const std::string shape = write_temp_file(dir, "shape.csv", "0,1\n1,0\n");
  expect_bad("alltoall --topology star:gpus=3 --matrix " + shape, {shape, "2 rows", "3 GPUs"});
  const std::string neg = write_temp_file(dir, "neg.csv", "0,1,2\n3,0,-4\n5,6,0\n");
  expect_bad("alltoall --topology star:gpus=3 --matrix " + neg, {neg, "-4"});
  const std::string ragged = write_temp_file(dir, "ragged.csv", "0,1,2\n3,0\n5,6,0\n");
  expect_bad("alltoall --topology star:gpus=3 --matrix " + ragged, {ragged});
  const std::string dot = write_temp_file(dir, "bad.dot", "graph {\n a [kind=gpu];\n b [kind=gpux];\n a -- b [bandwidth=1];\n}\n");
  expect_bad("alltoall --topology " + dot + " --bytes-per-peer 1MiB", {dot, "line 3", "gpux"});
  const std::string broken = write_temp_file(dir, "broken.dot", "graph { a [kind=gpu] -- ");
  expect_bad("alltoall --topology " + broken + " --bytes-per-peer 1MiB", {broken, "malformed DOT"});
  const std::string split = write_temp_file(dir, "split.dot", "graph { a [kind=gpu]; b [kind=gpu]; c [kind=gpu]; a -- b [bandwidth=1]; }");
  expect_bad("alltoall --topology " + split + " --bytes-per-peer 1MiB", {"cannot reach"});
  expect_bad("alltoall --topology " + dir + "/missing.dot --bytes-per-peer 1MiB", {"missing.dot", "cannot open"});
  expect_bad("alltoall --topology rail:nodes=4096 --bytes-per-peer 1MiB", {"use --network analytic"});
}

TEST(TopologyCli, SummaryAndDot) {
  auto r = run_moesim("topology rail");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("64 on 8 node(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bisection       1600.0 GB/s"), std::string::npos) << r.out;
  auto d = run_moesim("topology torus2d:dims=3x3 --dot");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out.rfind("digraph", 0), 0u);
  // The printed DOT reads back as a topology.
  const std::string dir = fresh_temp_dir();
  const std::string f = write_temp_file(dir, "t.dot", d.out);
  auto back = run_moesim("topology " + f + " --json");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(nlohmann::json::parse(back.out)["num_gpus"], 9);
  auto help = run_moesim("topology --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* p : {"dgx-h100", "rail", "fat-tree", "nvl72", "torus2d", "torus3d"}) EXPECT_NE(help.out.find(p), std::string::npos) << p;
}

}  // namespace
}  // namespace moesim::testing
