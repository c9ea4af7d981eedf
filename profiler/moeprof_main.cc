// moeprof: measures what the simulator predicts, on the user's own machines, and fits a
// calibration from it.
//   moeprof run  [flags]                 measure (under mpirun: one rank per GPU; or alone)
//   moeprof fit  PROFILE --out CAL       fit link, all-to-all, GEMM and kernel figures
//   moeprof show PROFILE                 print a profile as tables
// Exit codes: 0 ok, 1 a failed run (a rank failed or timed out), 2 bad input.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "profiler/cli.h"

namespace {

void usage() {
  std::cout << "moeprof - measure all-to-all, routing kernels and expert GEMMs; fit a calibration for moesim\n\n"
               "usage: moeprof <command> [options]   (moeprof <command> --help for its options)\n\ncommands:\n"
               "  run    measure (mpirun -np N moeprof run ...; or one process without mpirun)\n"
               "  fit    fit a calibration from a profile: moeprof fit PROFILE --out CALIBRATION\n"
               "  show   print a profile's measurements as tables\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage();
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "run") return moesim::profiler::run_command(argc, argv, args);
  if (cmd == "fit") return moesim::profiler::fit_command(args);
  if (cmd == "show") return moesim::profiler::show_command(args);
  std::cerr << "moeprof: unknown command '" << cmd << "' (moeprof --help lists them)\n";
  return 2;
}
