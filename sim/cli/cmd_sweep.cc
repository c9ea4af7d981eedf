// `moesim sweep`: simulate every point of a parameter grid (traces/proto/sweep.proto) and write
// one CSV row per point. Under mpirun the points are spread over the ranks (point i on rank
// i mod N) and gathered to rank 0, which alone writes; the output is byte-identical to a
// single-process run.
#include <algorithm>
#include <cstdio>
#include <mutex>
#include <iostream>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/cli/progress.h"
#include "sim/study/parallel_for.h"
#include "sim/study/rank_group.h"
#include "sim/study/sweep.h"
#include "traces/file_io.h"

namespace moesim::cli {
namespace {

constexpr const char* kUsage =
    "usage: moesim sweep FILE.textproto [--out results.csv] [--json] [--quiet] [--jobs N]\n"
    "       mpirun -np N moesim sweep FILE.textproto --out results.csv\n"
    "\n"
    "Simulates every point of the cartesian product of a sweep's axes (a base scenario and lists\n"
    "of placement policies, redundant experts, EP sizes, topologies, Zipf exponents, all-to-all\n"
    "algorithms, network modes, rebalancing intervals; see traces/proto/sweep.proto and\n"
    "examples/sweeps/) and writes one CSV row per point: the point number, its axis values, the\n"
    "headline figures (step_time_s, dispatch_time_s, combine_time_s, expert_compute_time_s,\n"
    "straggler_wait_time_s, imbalance_max_over_mean, tokens_dropped, migration_time_s; means per\n"
    "step) and an error column. A point whose scenario is invalid gets its error there and the\n"
    "sweep goes on.\n"
    "\n"
    "  --out FILE   write the CSV there (whole or not at all); without it the CSV goes to stdout\n"
    "  --json       print the rows as a JSON array instead\n"
    "  --quiet      no progress output\n"
    "  --jobs N     simulate N points at once on N threads per process (same output)\n"
    "\n"
    "Under mpirun (with moesim built with MOESIM_MPI) point i runs on rank i mod N and rank 0\n"
    "writes the same bytes a single process would.\n"
    "exit codes: 0 all points ran, 1 some point failed (see its error cell), 2 bad sweep file or flags\n";

}  // namespace

int run_sweep(const Args& args) {
  FlagSet f("sweep");
  f.value("--out").toggle("--json").toggle("--quiet").value("--jobs");
  if (auto st = f.parse(args); !st.ok()) return print_error(st.error());
  if (f.help()) {
    std::cout << kUsage;
    return 0;
  }
  if (f.positional().size() != 1) return print_error(Error{"sweep: expected one sweep file (moesim sweep --help)"});
  auto jobs = f.integer("--jobs", 1, 1, 1024);
  if (!jobs.ok()) return print_error(jobs.error());
  auto group_or = study::RankGroup::init();
  if (!group_or.ok()) return print_error(group_or.error());
  auto& group = **group_or;
  const bool root = group.rank() == 0;
  auto sweep = study::Sweep::load(f.positional()[0]);
  if (!sweep.ok()) return root ? print_error(sweep.error()) : 2;

  const size_t n = sweep->num_points();
  const size_t ranks = static_cast<size_t>(group.size()), me = static_cast<size_t>(group.rank());
  const long mine = static_cast<long>(n > me ? (n - me + ranks - 1) / ranks : 0);
  Progress progress(group.size() > 1 ? "sweep (rank 0's share)" : "sweep", f.on("--quiet") || !root);
  // This rank's points, simulated on --jobs threads; rows land in point order whatever the schedule.
  std::vector<std::vector<std::string>> rows(static_cast<size_t>(mine));
  std::vector<char> point_failed(rows.size(), 0);
  std::mutex progress_mutex;
  long done = 0;
  study::parallel_for(rows.size(), static_cast<int>(*jobs), [&](size_t k) {
    bool fail = false;
    rows[k] = sweep->run_point(me + k * ranks, &fail);
    point_failed[k] = fail;
    std::lock_guard<std::mutex> lock(progress_mutex);
    progress.update(++done, mine);
  });
  progress.finish();
  bool failed = std::find(point_failed.begin(), point_failed.end(), 1) != point_failed.end();

  auto gathered = group.gather_rows(rows);
  if (!gathered.ok()) return root ? print_error(gathered.error()) : 2;
  failed = group.any(failed);
  if (!root) return failed ? 1 : 0;

  // Point i ran on rank i mod N as that rank's (i / N)-th row.
  std::vector<std::vector<std::string>> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = std::move((*gathered)[i % ranks][i / ranks]);
  for (const auto& r : all) {
    if (!r.back().empty()) std::cerr << "moesim: " << r.back() << "\n";
  }
  const auto columns = sweep->columns();
  std::string csv = study::csv_line(columns) + "\n";
  for (const auto& r : all) csv += study::csv_line(r) + "\n";
  const std::string out = f.get_or("--out", "");
  if (!out.empty()) {
    if (auto st = write_file_atomic(out, csv); !st.ok()) return print_error(st.error());
  }
  if (f.on("--json")) {
    std::cout << study::sweep_rows_json(columns, all) << "\n";
  } else if (out.empty()) {
    std::cout << csv;
  } else {
    size_t num_failed = 0, best = n;
    double best_time = 0;
    const size_t step_col = columns.size() - 1 - study::sweep_summary_columns().size();
    for (size_t i = 0; i < n; ++i) {
      if (!all[i].back().empty()) {
        ++num_failed;
        continue;
      }
      const double t = std::strtod(all[i][step_col].c_str(), nullptr);
      if (best == n || t < best_time) best = i, best_time = t;
    }
    std::printf("moesim sweep: %zu point(s), %zu failed, %d process(es) -> %s\n", n, num_failed, group.size(), out.c_str());
    if (best < n) std::printf("  fastest: point %zu, step time %.6g s\n", best, best_time);
  }
  return failed ? 1 : 0;
}

}  // namespace moesim::cli
