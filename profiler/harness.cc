#include "profiler/harness.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>

#include "profiler/stats.h"
#include "traces/proto_io.h"

namespace moesim::profiler {

Harness::Harness(Communicator& comm, Backend& backend, Profile* profile, HarnessOptions options)
    : comm_(comm), backend_(backend), profile_(profile), opt_(std::move(options)) {
  watchdog_ = std::thread([this] { watchdog_loop(); });
}

Harness::~Harness() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  watchdog_.join();
}

void Harness::watchdog_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!armed_) {
      cv_.wait(lock);
      continue;
    }
    if (cv_.wait_until(lock, deadline_) != std::cv_status::timeout || !armed_ || stop_) continue;
    // Timed out: the main thread is stuck inside the operation (or waiting for a stuck rank).
    char limit[32];
    std::snprintf(limit, sizeof limit, "%.3g s", opt_.timeout_s);
    const std::string what = current_.benchmark() + " '" + current_.case_name() + "' did not finish within " + limit +
                             " (--timeout) on rank " + std::to_string(comm_.rank());
    std::fprintf(stderr, "moeprof: %s; aborting the run\n", what.c_str());
    if (comm_.rank() == 0 && !opt_.out_path.empty()) {
      ProfileRecord r = current_;
      r.set_timed_out(true);
      r.set_error(std::string("timeout after ") + limit);
      *profile_->add_records() = r;
      profile_->set_complete(false);
      profile_->set_abort_reason(what);
      if (auto st = save_proto(opt_.out_path, *profile_); !st.ok()) {
        std::fprintf(stderr, "moeprof: %s\n", st.message().c_str());
      } else {
        std::fprintf(stderr, "moeprof: profile with %d record(s) written to %s\n", profile_->records_size(),
                     opt_.out_path.c_str());
      }
    } else {
      // Give rank 0 time to write the profile before the job is torn down.
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::seconds(3));
    }
    std::fflush(stderr);
    comm_.abort(3);
  }
}

void Harness::begin_table(const std::string& title, const std::string& columns) {
  if (!is_root() || opt_.quiet) return;
  std::printf("#\n# %s\n%s\n", title.c_str(), columns.c_str());
  std::fflush(stdout);
}

void Harness::fill_derived(ProfileRecord* r) const {
  const SampleStats s = summarize(std::vector<double>(r->times_s().begin(), r->times_s().end()));
  r->set_median_s(s.median);
  r->set_min_s(s.min);
  r->set_mean_s(s.mean);
  r->set_p90_s(s.p90);
  r->set_iterations(static_cast<uint32_t>(s.count));
  if (s.median <= 0) return;
  const double n = r->num_ranks();
  if (r->benchmark() == "alltoall" || r->benchmark() == "alltoallv") {
    // nccl-tests: algbw = size / time; all-to-all busbw = algbw * (n - 1) / n.
    const double algbw = r->size_bytes() / s.median;
    r->set_algbw_gb_per_s(algbw / 1e9);
    r->set_busbw_gb_per_s(n > 0 ? algbw * (n - 1) / n / 1e9 : 0.0);
  } else if (r->benchmark() == "p2p") {
    r->set_algbw_gb_per_s(r->size_bytes() / s.median / 1e9);
    r->set_busbw_gb_per_s(r->algbw_gb_per_s());
  } else if (r->benchmark() == "gemm") {
    r->set_achieved_flops(r->flops() / s.median);
  } else if (r->benchmark() == "kernel") {
    r->set_items_per_s(static_cast<double>(r->num_tokens()) / s.median);
  }
}

void Harness::print_row(const ProfileRecord& r) const {
  if (!is_root() || opt_.quiet) return;
  const double us = r.median_s() * 1e6;
  if (r.benchmark() == "alltoall" || r.benchmark() == "alltoallv" || r.benchmark() == "p2p") {
    std::printf("  %12.0f %12.0f %10.2f %10.2f %10.2f %9.3f %9.3f %5u  %s\n", r.size_bytes(),
                r.benchmark() == "p2p" ? r.size_bytes() : r.bytes_per_peer(), us, r.min_s() * 1e6, r.p90_s() * 1e6,
                r.algbw_gb_per_s(), r.busbw_gb_per_s(), r.iterations(), r.case_name().c_str());
  } else if (r.benchmark() == "gemm") {
    std::printf("  %10llu %8u %8u %12.2f %12.2f %12.3f %5u\n", static_cast<unsigned long long>(r.num_tokens()), r.hidden(),
                r.ffn_hidden(), us, r.p90_s() * 1e6, r.achieved_flops() / 1e9, r.iterations());
  } else {
    std::printf("  %-18s %10llu %6u %4u %12.2f %12.2f %12.3f %5u\n", r.case_name().c_str(),
                static_cast<unsigned long long>(r.num_tokens()), r.num_experts(), r.top_k(), us, r.p90_s() * 1e6,
                r.items_per_s() / 1e6, r.iterations());
  }
  std::fflush(stdout);
}

void Harness::fail(const std::string& benchmark, const std::string& what) {
  std::fprintf(stderr, "moeprof: rank %d: %s: %s; aborting the run\n", comm_.rank(), benchmark.c_str(), what.c_str());
  if (comm_.rank() == 0 && !opt_.out_path.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    profile_->set_complete(false);
    profile_->set_abort_reason(benchmark + ": " + what);
    if (auto st = save_proto(opt_.out_path, *profile_); st.ok()) {
      std::fprintf(stderr, "moeprof: profile with %d record(s) written to %s\n", profile_->records_size(), opt_.out_path.c_str());
    }
  } else if (comm_.rank() != 0) {
    // Every rank learns of a failure at once; let rank 0 write the profile before the abort
    // tears the job down.
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  std::fflush(stderr);
  comm_.abort(1);
  std::_Exit(1);  // not reached: abort() ends the process
}

const ProfileRecord& Harness::measure(ProfileRecord rec, const std::function<Result<double>()>& once) {
  rec.set_num_ranks(rec.num_ranks() ? rec.num_ranks() : static_cast<uint32_t>(comm_.size()));
  rec.set_warmup(static_cast<uint32_t>(opt_.warmup));
  rec.set_timer(backend_.timer());
  rec.set_implementation(backend_.implementation(rec.benchmark()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = rec;
    armed_ = true;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::microseconds(static_cast<long long>(opt_.timeout_s * 1e6));
  }
  cv_.notify_all();
  const double kFailed = std::numeric_limits<double>::infinity();
  std::string my_error;
  double measured = 0;
  for (int i = 0; i < opt_.warmup + opt_.iterations; ++i) {
    if (auto st = comm_.barrier(); !st.ok()) fail(rec.benchmark(), st.message());
    auto t = once();
    double mine = kFailed;
    if (t.ok()) mine = *t;
    else my_error = t.message();
    auto worst = comm_.max_all(mine);
    if (!worst.ok()) fail(rec.benchmark(), worst.message());
    if (std::isinf(*worst)) {
      const std::string what = rec.case_name() + ": " + (my_error.empty() ? "failed on another rank (see its message)" : my_error);
      if (!my_error.empty()) std::fprintf(stderr, "moeprof: rank %d: %s\n", comm_.rank(), my_error.c_str());
      {
        std::lock_guard<std::mutex> lock(mu_);
        armed_ = false;
        rec.set_error(what);
        *profile_->add_records() = rec;
      }
      fail(rec.benchmark(), what);
    }
    if (i < opt_.warmup) continue;
    rec.add_times_s(*worst);
    measured += *worst;
    const int done = rec.times_s_size();
    if (done >= opt_.min_iterations && measured >= opt_.time_budget_s) break;
  }
  fill_derived(&rec);
  {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    *profile_->add_records() = rec;
  }
  if (is_root() && !opt_.out_path.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto st = save_proto(opt_.out_path, *profile_); !st.ok()) {
      std::fprintf(stderr, "moeprof: %s\n", st.message().c_str());
    }
  }
  print_row(rec);
  return profile_->records(profile_->records_size() - 1);
}

Status Harness::write(bool complete) {
  if (!is_root() || opt_.out_path.empty()) return {};
  std::lock_guard<std::mutex> lock(mu_);
  profile_->set_complete(complete);
  return save_proto(opt_.out_path, *profile_);
}

}  // namespace moesim::profiler
