// moeprof under mpirun with the host backend (2 ranks, shared memory), then fit and validate.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "traces/proto/profile.pb.h"
#include "traces/proto_io.h"

namespace {

int run(const std::string& cmd, std::string* out) {
  FILE* p = popen(("timeout 180 env " + cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(MoeprofMpi, TwoRanksHostBackend) {
  const std::string mpirun = MOESIM_MPIEXEC;
  if (mpirun.empty() || !std::filesystem::exists(mpirun)) GTEST_SKIP() << "mpirun not found";
  const auto d = std::filesystem::temp_directory_path() / "moeprof_mpi_test";
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  const std::string bin = MOESIM_BIN_DIR;
  std::string out;
  // Root is allowed (containers); shared memory only (no network).
  const std::string env = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ";
  const int code = run(env + mpirun + " --oversubscribe --mca btl self,vader -np 2 " + bin +
                           "/moeprof run --backend host --benchmarks alltoall,alltoallv,p2p --max-bytes 64KiB"
                           " --uneven-sizes 16KiB --iters 3 --warmup 1 --out " + (d / "p.pb").string(),
                       &out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("MPI_Alltoall"), std::string::npos) << out;
  moesim::Profile p;
  ASSERT_TRUE(moesim::load_proto((d / "p.pb").string(), &p).ok());
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(p.environment().num_ranks(), 2u);
  int uneven = 0, p2p = 0;
  for (const auto& r : p.records()) {
    if (r.benchmark() == "alltoallv") {
      ++uneven;
      EXPECT_EQ(r.matrix_bytes_size(), 4);
    }
    if (r.benchmark() == "p2p") {
      ++p2p;
      EXPECT_EQ(r.link_class(), "same-node");
    }
    // nccl-tests: busbw = algbw * (n - 1) / n.
    if (r.benchmark() == "alltoall") EXPECT_NEAR(r.busbw_gb_per_s(), r.algbw_gb_per_s() / 2, 1e-9);
  }
  EXPECT_EQ(uneven, 2);  // zipf and dirichlet at 16 KiB per rank
  EXPECT_EQ(p2p, 7);     // 1 KiB .. 64 KiB
  out.clear();
  ASSERT_EQ(run(bin + "/moeprof fit " + (d / "p.pb").string() + " --out " + (d / "c.pb").string(), &out), 0) << out;
  out.clear();
  ASSERT_EQ(run(bin + "/moesim validate --profile " + (d / "p.pb").string() + " --calibration " + (d / "c.pb").string(), &out), 0)
      << out;
  EXPECT_NE(out.find("alltoallv"), std::string::npos) << out;
}

}  // namespace
