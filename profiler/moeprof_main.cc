// moeprof: measures what the simulator predicts, on the user's own machines, and fits a
// calibration from it.
//   moeprof run  [flags]                 measure (under mpirun: one rank per GPU; or alone)
//   moeprof fit  PROFILE --out CAL       fit link, all-to-all, GEMM and kernel figures
//   moeprof show PROFILE                 print a profile as tables
// Exit codes: 0 ok, 1 a failed run (a rank failed or timed out), 2 bad input.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "profiler/cli.h"
#include "traces/file_io.h"

namespace {

// Ctrl-C / SIGTERM: the profile on disk already holds every finished measurement (it is
// rewritten whole after each one); only a rewrite in progress is lost, so remove its temporary.
void on_signal(int sig) {
  const int removed = moesim::remove_pending_temporaries();
  char buf[200];
  const int n = std::snprintf(buf, sizeof buf,
                              "\nmoeprof: interrupted (signal %d); the profile keeps the measurements finished so far, "
                              "%d partial write(s) removed\n",
                              sig, removed);
  if (n > 0) (void)!write(2, buf, static_cast<size_t>(n));
  std::_Exit(128 + sig);
}

void usage() {
  std::cout << "moeprof - measure all-to-all, routing kernels and expert GEMMs; fit a calibration for moesim\n\n"
               "usage: moeprof <command> [options]   (moeprof <command> --help for its options)\n\ncommands:\n"
               "  run    measure (mpirun -np N moeprof run ...; or one process without mpirun)\n"
               "  fit    fit a calibration from a profile: moeprof fit PROFILE --out CALIBRATION\n"
               "  show   print a profile's measurements as tables\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
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
