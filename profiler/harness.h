// The measurement harness every benchmark uses (as nccl-tests' common.cu serves alltoall.cu):
// warm-up and timed repeats, the slowest rank's time per repeat, medians, the nccl-tests
// columns, the stdout table, and the profile written after every measurement.
//
// Timing of one repeat: barrier, then each rank times the operation on its own clock (steady
// clock or CUDA events, the backend's choice) and the repeat's time is the max over ranks, so
// a collective is as slow as its slowest rank. Repeats continue until `iterations` are done,
// or at least `min_iterations` are and `time_budget_s` of measured time has passed (large
// sizes). The record stores every repeat and their median, min, mean and p90.
//
// Failure: a rank whose operation fails reports it; the others learn it from the max-reduction
// (a failed rank contributes +inf) and rank 0 records the error, writes the profile and
// aborts the job. A measurement that exceeds `timeout_s` (a hung rank, a stuck NCCL call) is
// caught by a watchdog thread on every rank: rank 0 writes the profile with the record marked
// timed_out and the run's abort reason, then every rank aborts (MPI_Abort). The profile is
// written whole after each measurement (traces/file_io.h write_file_atomic), so a run that dies
// keeps what it measured.
// Thread-safety: one thread drives the harness; its watchdog thread only touches the profile
// under the harness mutex.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "profiler/backend.h"
#include "profiler/comm.h"
#include "traces/proto/profile.pb.h"
#include "traces/status.h"

namespace moesim::profiler {

struct HarnessOptions {
  int warmup = 3;
  int iterations = 20;
  int min_iterations = 5;
  double time_budget_s = 1.0;    // per measurement, measured time of its repeats
  double timeout_s = 120;        // per measurement, wall clock
  std::string out_path;          // the profile (rank 0 writes it)
  bool quiet = false;            // no table on stdout
};

class Harness {
 public:
  Harness(Communicator& comm, Backend& backend, Profile* profile, HarnessOptions options);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  Communicator& comm() { return comm_; }
  Backend& backend() { return backend_; }
  const HarnessOptions& options() const { return opt_; }
  bool is_root() const { return comm_.rank() == 0; }

  // Prints a benchmark's table header (rank 0).
  void begin_table(const std::string& title, const std::string& columns);
  // Times `once` (called on every rank, the same number of times) and appends `rec`, filled
  // with the timings and derived columns, to the profile; rank 0 prints its table row.
  // Never returns on failure: a failed or timed-out measurement ends the job (see above).
  const ProfileRecord& measure(ProfileRecord rec, const std::function<Result<double>()>& once);
  // Reports an error found outside measure() (e.g. a setup step) the same way, then aborts.
  [[noreturn]] void fail(const std::string& benchmark, const std::string& what);
  // Writes the profile (rank 0); complete = the run finished.
  Status write(bool complete);

 private:
  void watchdog_loop();
  void fill_derived(ProfileRecord* r) const;
  void print_row(const ProfileRecord& r) const;

  Communicator& comm_;
  Backend& backend_;
  Profile* profile_;
  HarnessOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false, stop_ = false;
  std::chrono::steady_clock::time_point deadline_;
  ProfileRecord current_;
  std::thread watchdog_;
};

}  // namespace moesim::profiler
