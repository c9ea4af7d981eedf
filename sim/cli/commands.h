// The moesim subcommands. Each takes the arguments after its name and returns the process exit
// code: 0 success, 1 a failed run (e.g. validation error over threshold), 2 bad input.
// Library errors arrive as moesim::Error and are printed by print_error().
#pragma once

#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* description;  // one line, printed by `moesim --help`
  int (*run)(const Args& args);
};

// The table of commands, in the order `moesim --help` lists them.
const std::vector<Command>& commands();

// Prints "moesim: <message>" to stderr and returns exit code 2.
int print_error(const Error& e);

const char* version();

int run_simulate(const Args& args);  // sim/cli/cmd_simulate.cc: the main job, MoE steps on a cluster
int run_alltoall(const Args& args);  // sim/cli/cmd_alltoall.cc: time one all-to-all on a topology
int run_topology(const Args& args);  // sim/cli/cmd_topology.cc: presets and DOT topologies
int run_plan(const Args& args);  // sim/cli/cmd_plan.cc: expert placement planner
int run_trace(const Args& args);  // sim/cli/cmd_trace.cc: expert-load trace stats and convert
int run_rebalance(const Args& args);  // sim/cli/cmd_rebalance.cc: rebalancing interval study
int run_sweep(const Args& args);  // sim/cli/cmd_sweep.cc: parameter grids, optionally over MPI ranks
int run_validate(const Args& args);  // sim/cli/cmd_validate.cc: profile vs simulation under a calibration

}  // namespace moesim::cli
