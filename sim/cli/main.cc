// moesim: command-line entry point. Dispatches to the subcommands in commands().
#include <csignal>
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include "sim/cli/commands.h"
#include "traces/file_io.h"

namespace moesim::cli {

int print_error(const Error& e) {
  std::cerr << "moesim: " << e.message << std::endl;
  return 2;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"simulate", "simulate MoE training/inference steps: placement, skewed routing, all-to-all, experts", run_simulate},
      {"alltoall", "time an all-to-all (uniform or uneven) on a cluster topology", run_alltoall},
      {"topology", "print a topology preset or DOT file: summary, bisection, DOT", run_topology},
      {"plan", "plan expert placement (replicas, GPU slots) from an expert-load matrix", run_plan},
      {"trace", "expert-load traces: stats, convert (SmartMoE, OLMoE, HarMoEny, Megatron, .npy, .csv)", run_trace},
      {"rebalance", "static placement vs re-placement every K steps over training, migration charged", run_rebalance},
      {"sweep", "simulate every point of a parameter grid to one CSV row each (spreads over mpirun ranks)", run_sweep},
      {"validate", "compare a moeprof profile with simulations under its calibration", run_validate},
  };
  return table;
}

}  // namespace moesim::cli

namespace {

void on_signal(int sig) {
  const int removed = moesim::remove_pending_temporaries();
  char buf[160];
  int n = std::snprintf(buf, sizeof buf,
                        "\nmoesim: interrupted (signal %d); run not finished, %d partial output(s) removed\n",
                        sig, removed);
  if (n > 0) (void)!write(2, buf, static_cast<size_t>(n));
  std::_Exit(128 + sig);
}

void print_usage() {
  std::cout << "moesim " << moesim::cli::version()
            << " - simulate Mixture-of-Experts all-to-all, placement and training steps\n\n"
               "usage: moesim <command> [options]   (moesim <command> --help for its options)\n\ncommands:\n";
  for (const auto& c : moesim::cli::commands()) {
    std::printf("  %-12s %s\n", c.name, c.description);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (argc < 2) {
    print_usage();
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage();
    return 0;
  }
  if (name == "--version") {
    std::cout << "moesim " << moesim::cli::version() << "\n";
    return 0;
  }
  for (const auto& c : moesim::cli::commands()) {
    if (name == c.name) return c.run(moesim::cli::Args(argv + 2, argv + argc));
  }
  std::cerr << "moesim: unknown command '" << name << "' (moesim --help lists them)\n";
  return 2;
}
