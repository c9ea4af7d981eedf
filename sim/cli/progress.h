// Progress reporting for long commands on stderr: a redrawn bar with an ETA on a terminal,
// plain lines (at most one per 10%) otherwise, nothing with --quiet.
// Thread-safety: one instance per command.
#pragma once

#include <chrono>
#include <string>

namespace moesim::cli {

class Progress {
 public:
  Progress(std::string what, bool quiet);
  void update(long done, long total);
  void finish();

 private:
  std::string what_;
  bool quiet_, tty_;
  int last_decile_ = -1;
  bool drew_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace moesim::cli
