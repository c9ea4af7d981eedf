// Re-simulation for the what-if view: runs the `moesim simulate` executable as a child
// process with a changed placement policy and/or rebalancing interval, on a background
// thread, and loads the result.pb it writes. Running the executable (rather than linking the
// simulator) keeps moeviz independent of sim: it needs only the file formats.
//
// The child gets: simulate --scenario <work>/scenario.textproto --placement-policy NAME
// --rebalance-every K --out <work>/out, where scenario.textproto is the original result's
// embedded scenario. Its stdout/stderr go to <work>/log.txt, shown when it fails.
// Ownership: the runner owns its thread and child; the destructor stops the child (SIGTERM)
// and joins. Thread-safety: call its methods from one (the UI) thread; they synchronise with
// the worker internally.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "traces/proto/scenario.pb.h"
#include "traces/status.h"
#include "viz/document.h"

namespace moesim::viz {

struct WhatIfRequest {
  std::string moesim_path;       // the executable
  Scenario scenario;             // the original result's scenario
  std::string placement_policy;  // "" keeps the scenario's
  int rebalance_every = -1;      // < 0 keeps the scenario's
  std::string label;             // for the new document
};

// The child's argument vector (argv[0] = moesim_path), without running anything.
std::vector<std::string> whatif_command(const WhatIfRequest& request, const std::string& scenario_path,
                                        const std::string& out_dir);

// The moesim executable: $MOESIM_EXE, else `moesim` beside this program, else "moesim" on PATH
// (checked: "" when none is found).
std::string find_moesim_executable();

class WhatIfRunner {
 public:
  enum class State { kIdle, kRunning, kDone, kFailed };

  WhatIfRunner() = default;
  ~WhatIfRunner();
  WhatIfRunner(const WhatIfRunner&) = delete;
  WhatIfRunner& operator=(const WhatIfRunner&) = delete;

  // Starts a run; an error when one is running or the work folder cannot be prepared.
  Status start(WhatIfRequest request);
  // Stops a running child (SIGTERM) and waits for the thread.
  void cancel();

  State state() const { return state_.load(); }
  // What the last run said: the failure (with the child's log tail) or "done in N s".
  std::string message() const;
  // The loaded result of a finished run (once; nullptr afterwards or before).
  std::shared_ptr<const Document> take_result();
  // The command line of the current/last run, for display.
  std::string command_line() const;

 private:
  void run(WhatIfRequest request, std::string work_dir);

  std::atomic<State> state_{State::kIdle};
  std::atomic<pid_t> child_{-1};
  std::atomic<bool> cancel_{false};
  mutable std::mutex mu_;
  std::string message_;
  std::string command_line_;
  std::shared_ptr<const Document> result_;
  std::thread thread_;
};

}  // namespace moesim::viz
