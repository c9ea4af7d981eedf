// The cuda backend on one GPU, one process without mpirun (a 1-rank NCCL communicator from a
// locally generated id). Skips where no CUDA device is usable.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "profiler/cuda/cuda_backend.h"
#include "traces/proto/profile.pb.h"
#include "traces/proto_io.h"

namespace {

TEST(MoeprofGpu, SingleRankNcclKernelsGemm) {
  if (auto st = moesim::profiler::cuda_device_status(); !st.ok()) GTEST_SKIP() << "no usable CUDA device: " << st.message();
  const auto d = std::filesystem::temp_directory_path() / "moeprof_gpu_test";
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  const std::string cmd = "env -u OMPI_COMM_WORLD_SIZE -u PMI_SIZE -u PMIX_RANK timeout 300 " + std::string(MOESIM_BIN_DIR) +
                          "/moeprof run --backend cuda --max-bytes 16MiB --kernel-tokens 1024,4096,16384,65536"
                          " --gemm-tokens 16,64,256,1024 --iters 5 --warmup 2 --out " + (d / "p.pb").string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << out;
  moesim::Profile prof;
  ASSERT_TRUE(moesim::load_proto((d / "p.pb").string(), &prof).ok());
  EXPECT_TRUE(prof.complete());
  EXPECT_EQ(prof.environment().backend(), "cuda");
  EXPECT_FALSE(prof.environment().gpu_model().empty());
  EXPECT_FALSE(prof.environment().nccl_version().empty());
  int a2a = 0, gemm = 0, kernel = 0;
  for (const auto& r : prof.records()) {
    EXPECT_GT(r.median_s(), 0) << r.benchmark() << " " << r.case_name();
    EXPECT_EQ(r.timer(), "cuda-events");
    if (r.benchmark() == "alltoall") {
      ++a2a;
      EXPECT_EQ(r.implementation(), "ncclAlltoAll");
    }
    gemm += r.benchmark() == "gemm";
    kernel += r.benchmark() == "kernel";
  }
  EXPECT_EQ(a2a, 15);  // 1 KiB .. 16 MiB
  EXPECT_EQ(gemm, 4);
  EXPECT_EQ(kernel, 16);
}

}  // namespace
