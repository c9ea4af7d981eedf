// `mpirun -np 2 moesim sweep` writes the single-process CSV byte for byte (label mpi; built only
// with MOESIM_MPI and an mpirun).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

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

TEST(SweepMpi, TwoRanksWriteTheSingleProcessCsv) {
  const std::string bin = std::string(MOESIM_BIN_DIR) + "/moesim";
  if (!std::filesystem::exists(bin)) GTEST_SKIP() << "moesim not built";
  const std::string dir = fresh_temp_dir();
  write_temp_file(dir, "tiny.textproto", kTinyScenario);
  const std::string sweep = write_temp_file(dir, "grid.textproto", kTinySweep);
  auto single = run_moesim("sweep " + sweep + " --out " + dir + "/single.csv --quiet");
  ASSERT_EQ(single.exit_code, 0) << single.err;
  // 12 points over 2 ranks: rank 0 runs the even points, rank 1 the odd ones.
  const std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 " + std::string(MOESIM_MPIEXEC) +
                          " --oversubscribe -np 2 " + bin + " sweep " + sweep + " --out " + dir + "/mpi.csv --quiet > " + dir +
                          "/mpi.out 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string log = slurp(dir + "/mpi.out");
  if (log.find("ORTE") != std::string::npos && log.find("not able to") != std::string::npos) {
    GTEST_SKIP() << "mpirun cannot start processes here: " << log;
  }
  ASSERT_EQ(status, 0) << log;
  EXPECT_NE(log.find("2 process(es)"), std::string::npos) << log;
  const std::string a = slurp(dir + "/single.csv"), b = slurp(dir + "/mpi.csv");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace moesim::testing
