// moeprof and moesim validate as a user runs them: one process without mpirun (the GPU-machine
// case: no MPI at run time), the fit, validation, bad flags and the timeout path.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "traces/proto/collective.pb.h"
#include "traces/proto/profile.pb.h"
#include "traces/proto_io.h"

namespace {

struct CmdResult {
  int code = -1;
  std::string out;
};

// Runs a shell command (stderr folded into stdout) without any MPI launcher variables.
CmdResult run(const std::string& cmd) {
  const std::string full = "env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK timeout 120 " + cmd + " 2>&1";
  CmdResult r;
  FILE* p = popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto d = std::filesystem::temp_directory_path() / ("moeprof_cli_" + std::string(info->name()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

const std::string kMoeprof = std::string(MOESIM_BIN_DIR) + "/moeprof";
const std::string kMoesim = std::string(MOESIM_BIN_DIR) + "/moesim";
const std::string kSmall =
    " --backend host --max-bytes 16KiB --kernel-tokens 256,512,1024,2048 --gemm-tokens 1,2,4,8,16 --iters 3 --warmup 1 --quiet";

TEST(MoeprofCli, SingleProcessWithoutMpiRunsFitsAndValidates) {
  const std::string d = dir();
  CmdResult r = run(kMoeprof + " run --out " + d + "/p.pb" + kSmall);
  ASSERT_EQ(r.code, 0) << r.out;
  moesim::Profile p;
  ASSERT_TRUE(moesim::load_proto(d + "/p.pb", &p).ok());
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(p.environment().num_ranks(), 1u);
  EXPECT_EQ(p.environment().backend(), "host");
  EXPECT_EQ(p.environment().mpi_version(), "none (single process)");
  int alltoall = 0, gemm = 0, kernel = 0;
  for (const auto& rec : p.records()) {
    alltoall += rec.benchmark() == "alltoall";
    gemm += rec.benchmark() == "gemm";
    kernel += rec.benchmark() == "kernel";
    EXPECT_GT(rec.median_s(), 0) << rec.benchmark();
    EXPECT_EQ(rec.iterations(), 3u);
  }
  EXPECT_EQ(alltoall, 5);  // 1, 2, 4, 8, 16 KiB
  EXPECT_EQ(gemm, 5);
  EXPECT_EQ(kernel, 16);   // 4 kernels x 4 token counts

  r = run(kMoeprof + " fit " + d + "/p.pb --out " + d + "/c.json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("fit residuals"), std::string::npos) << r.out;
  r = run(kMoesim + " validate --profile " + d + "/p.pb --calibration " + d + "/c.json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("validate: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("median |error|"), std::string::npos) << r.out;
}

TEST(MoeprofCli, BadFlagsExitTwoWithoutOutput) {
  const std::string d = dir();
  CmdResult r = run(kMoeprof + " run --out " + d + "/p.pb --bogus 1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--bogus"), std::string::npos) << r.out;
  r = run(kMoeprof + " run --out " + d + "/p.pb --backend gpu");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--backend"), std::string::npos) << r.out;
  r = run(kMoeprof + " run --out " + d + "/p.pb --benchmarks alltoall,nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d + "/p.pb"));
  EXPECT_EQ(run(kMoeprof + " fit " + d + "/missing.pb --out " + d + "/c.pb").code, 2);
  EXPECT_FALSE(std::filesystem::exists(d + "/c.pb"));
  EXPECT_EQ(run(kMoesim + " validate --profile " + d + "/missing.pb").code, 2);
  EXPECT_EQ(run(kMoeprof + " frobnicate").code, 2);
  EXPECT_EQ(run(kMoeprof + " run --help").code, 0);
}

TEST(MoeprofCli, TimeoutEndsTheRunAndKeepsTheProfile) {
  const std::string d = dir();
  // A 1 ms limit on GEMMs that take longer: the watchdog marks the case and ends the run.
  CmdResult r = run(kMoeprof + " run --backend host --benchmarks alltoall,gemm --max-bytes 2KiB --gemm-tokens 4096"
              " --gemm-hidden 512 --gemm-ffn 1024 --iters 3 --warmup 1 --timeout 1ms --quiet --out " + d + "/p.pb");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("did not finish within"), std::string::npos) << r.out;
  moesim::Profile p;
  ASSERT_TRUE(moesim::load_proto(d + "/p.pb", &p).ok());
  EXPECT_FALSE(p.complete());
  EXPECT_NE(p.abort_reason().find("gemm"), std::string::npos) << p.abort_reason();
  ASSERT_GE(p.records_size(), 1);
  EXPECT_TRUE(p.records(p.records_size() - 1).timed_out());
}

TEST(MoeprofCli, CalibrationDrivesAlltoallAndSimulate) {
  const std::string d = dir();
  // A measured machine of 4 ranks: rank links 8 GB/s with 1 us per hop, a shared link of
  // 8 GB/s, launch 3 us. Uniform 1 MiB per peer: the shared link carries 4 * 3 MiB at 8 GB/s,
  // the rank links 3 MiB each: t = 3 us + 2 * 1 us + 12 MiB / 8 GB/s = 1577.864 us.
  moesim::Calibration c;
  c.mutable_environment()->set_num_ranks(4);
  auto* r = c.add_alltoall();
  r->set_launch_s(3e-6);
  r->set_link_latency_s(1e-6);
  r->set_rank_bandwidth_bytes_per_s(8e9);
  r->set_shared_bandwidth_bytes_per_s(8e9);
  auto* l = c.add_links();
  l->set_link_class("same-node");
  l->set_latency_s(2e-6);
  l->set_bandwidth_bytes_per_s(8e9);
  ASSERT_TRUE(moesim::save_proto(d + "/cal.json", c).ok());
  CmdResult res = run(kMoesim + " alltoall --calibration " + d + "/cal.json --bytes-per-peer 1MiB --json");
  ASSERT_EQ(res.code, 0) << res.out;
  moesim::AllToAllResult a;
  ASSERT_TRUE(moesim::parse_proto(res.out, moesim::ProtoFormat::kJson, "stdout", &a).ok()) << res.out;
  EXPECT_EQ(a.num_gpus(), 4u);
  EXPECT_NEAR(a.completion_time_s(), 5e-6 + 12.0 * 1048576 / 8e9, 1e-9);
  // On a user topology the same-node figures replace NVLink's.
  res = run(kMoesim + " alltoall --calibration " + d + "/cal.json --topology dgx-h100 --bytes-per-peer 1MiB");
  ASSERT_EQ(res.code, 0) << res.out;
  EXPECT_NE(res.out.find("nvlink     8.0 GB/s"), std::string::npos) << res.out;
  res = run(kMoesim + " simulate --calibration " + d + "/cal.json --steps 1 --simulated-layers 1 --json --quiet");
  EXPECT_EQ(res.code, 0) << res.out;
  // A calibration with a negative bandwidth is refused, naming the field.
  r->set_rank_bandwidth_bytes_per_s(-1);
  ASSERT_TRUE(moesim::save_proto(d + "/bad.json", c).ok());
  res = run(kMoesim + " alltoall --calibration " + d + "/bad.json --bytes-per-peer 1MiB");
  EXPECT_EQ(res.code, 2);
  EXPECT_NE(res.out.find("alltoall[0].rank_bandwidth_bytes_per_s"), std::string::npos) << res.out;
}

}  // namespace
