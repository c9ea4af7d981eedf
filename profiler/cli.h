// moeprof's subcommands (profiler/cmd_*.cc). Each returns the exit code: 0 ok, 1 a failed
// run, 2 bad input (message "moeprof: ..." on stderr).
#pragma once

#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim::profiler {

int run_command(int argc, char** argv, const std::vector<std::string>& args);
int fit_command(const std::vector<std::string>& args);
int show_command(const std::vector<std::string>& args);

// Prints "moeprof: <message>" and returns 2.
int usage_error(const Error& e);

}  // namespace moesim::profiler
