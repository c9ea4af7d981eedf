// Runs the moesim binary in a shell and captures exit code, stdout and stderr.
#pragma once

#include <string>

namespace moesim::testing {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `build/bin/moesim ARGS` (ARGS is shell syntax) with a 120 s timeout.
CliResult run_moesim(const std::string& args);

// A fresh empty directory under the system temp folder, named after the running test.
std::string fresh_temp_dir();

// Writes a file (creating parent folders) and returns its path.
std::string write_temp_file(const std::string& dir, const std::string& name, const std::string& content);

// Number of entries in a directory.
int count_entries(const std::string& dir);

}  // namespace moesim::testing
