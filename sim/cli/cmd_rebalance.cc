// `moesim rebalance`: static placement against re-placement every K steps over a training run
// whose routing drifts (an expert-load log, or a drifting routing model), each strategy charged
// its simulated migration; reports which K minimises the total time.
#include <cstdio>
#include <iostream>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/cli/progress.h"
#include "sim/moe/scenario.h"
#include "sim/study/rebalance_study.h"
#include "sim/topology/units.h"
#include "traces/file_io.h"

namespace moesim::cli {
namespace {

constexpr const char* kUsage =
    "usage: moesim rebalance --scenario FILE [--every K1,K2,...|--auto] [--steps N] [--step-weight W]\n"
    "                        [--placement-policy P] [--redundant-experts R] [--jobs N] [--json]\n"
    "                        [--out FILE.csv] [--quiet]\n"
    "\n"
    "Simulates a scenario with a static placement and with re-placement every K steps (from the\n"
    "loads seen since the previous plan), each charged its migration (expert weights, plus FP32\n"
    "master weights and Adam moments in training, as a direct all-to-all), and reports per\n"
    "strategy the total time, mean step time (per training iteration), total migration time, the\n"
    "number of migrations (rebalances that moved an expert), the mean imbalance (tokens per GPU,\n"
    "max / mean), and the K that minimises the total. Routing should change over the run to make\n"
    "this interesting: an expert-load log (routing model \"trace\", e.g.\n"
    "examples/sweeps/smartmoe_rebalance.textproto) or a model with drift_per_step > 0.\n"
    "The placement policy is the scenario's: a load-aware one (balanced, eplb) with\n"
    "placement.redundant_experts > 0 has replicas to move; without redundant slots balanced can\n"
    "only regroup experts.\n"
    "\n"
    "  --scenario FILE       scenario (.textproto, .json, .pb), required\n"
    "  --every K1,K2,...     rebalancing intervals in steps (static is always included)\n"
    "  --auto                intervals 1, 2, 5, 10, 20, 50, 100, ... below the step count (default)\n"
    "  --steps N             simulated steps (overrides the scenario)\n"
    "  --step-weight W       training iterations each simulated step stands for (default 1; 10 for\n"
    "                        the SmartMoE log, snapshotted every 10 iterations): total time =\n"
    "                        W x (step times without migration) + migrations\n"
    "  --placement-policy P, --redundant-experts R   override the scenario's placement\n"
    "  --jobs N              simulate N strategies at once on N threads (same results)\n"
    "  --json                print the study as JSON instead of the table\n"
    "  --out FILE.csv        step time of every simulated step per strategy (one column each)\n"
    "  --quiet               no progress output\n";

}  // namespace

int run_rebalance(const Args& args) {
  FlagSet f("rebalance");
  f.value("--scenario").value("--every").toggle("--auto").value("--steps").value("--step-weight").toggle("--json")
      .value("--out").toggle("--quiet").value("--placement-policy").value("--redundant-experts").value("--jobs");
  if (auto st = f.parse(args); !st.ok()) return print_error(st.error());
  if (f.help()) {
    std::cout << kUsage;
    return 0;
  }
  if (!f.positional().empty()) return print_error(Error{"rebalance: unexpected argument '" + f.positional()[0] + "'"});
  const auto path = f.get("--scenario");
  if (!path) return print_error(Error{"rebalance: --scenario FILE is required (moesim rebalance --help)"});
  if (f.has("--every") && f.on("--auto")) return print_error(Error{"rebalance: give --every or --auto, not both"});
  auto loaded = load_scenario(*path);
  if (!loaded.ok()) return print_error(loaded.error());
  Scenario sc = *loaded;
  if (f.has("--steps")) {
    auto v = f.integer("--steps", 1, 1, 10000000);
    if (!v.ok()) return print_error(v.error());
    sc.set_steps(static_cast<uint32_t>(*v));
  }
  if (auto p = f.get("--placement-policy")) {
    sc.mutable_placement()->set_policy(*p);
    sc.mutable_placement()->clear_file();
  }
  if (f.has("--redundant-experts")) {
    auto v = f.integer("--redundant-experts", 0, 0, 1000000);
    if (!v.ok()) return print_error(v.error());
    sc.mutable_placement()->set_redundant_experts(static_cast<uint32_t>(*v));
  }
  if (!sc.placement().file().empty()) {
    return print_error(make_error(*path, "placement.file", "a fixed placement file cannot be rebalanced; give placement.policy"));
  }
  study::RebalanceOptions opt;
  if (auto list = f.get("--every")) {
    auto ks = study::parse_intervals(*list, "rebalance: --every");
    if (!ks.ok()) return print_error(ks.error());
    opt.intervals = *ks;
  } else {
    opt.intervals = study::auto_intervals(sc.steps());
  }
  auto w = f.number("--step-weight", 1, 1);
  if (!w.ok()) return print_error(w.error());
  opt.step_weight = *w;
  auto jobs = f.integer("--jobs", 1, 1, 1024);
  if (!jobs.ok()) return print_error(jobs.error());
  opt.jobs = static_cast<int>(*jobs);
  Progress progress("rebalance", f.on("--quiet"));
  opt.progress = [&](long done, long total) { progress.update(done, total); };
  auto st = study::run_rebalance_study(sc, *path, opt);
  progress.finish();
  if (!st.ok()) return print_error(st.error());
  if (auto out = f.get("--out")) {
    if (auto s = write_file_atomic(*out, study::rebalance_steps_csv(*st)); !s.ok()) return print_error(s.error());
  }
  if (f.on("--json")) {
    std::cout << study::rebalance_json(*st) << "\n";
    return 0;
  }
  const auto& pl = sc.placement();
  std::printf("moesim rebalance: %s\n", sc.name().c_str());
  std::printf("  %u simulated step(s) x %g iteration(s) each, placement %s with %u redundant slot(s), %s\n\n", sc.steps(),
              st->step_weight, pl.policy().empty() ? "contiguous" : pl.policy().c_str(), pl.redundant_experts(), sc.mode().c_str());
  std::printf("  %-12s %14s %14s %14s %10s %10s %10s\n", "strategy", "total time", "mean step", "migration", "migrations",
              "imbalance", "vs static");
  const double static_total = st->outcomes[0].total_time_s;
  for (size_t i = 0; i < st->outcomes.size(); ++i) {
    const auto& o = st->outcomes[i];
    const double rel = static_total > 0 ? 100.0 * (o.total_time_s - static_total) / static_total : 0.0;
    std::printf("  %-12s %14s %14s %14s %10d %10.3f %+9.2f%%%s\n", o.name.c_str(), format_duration(o.total_time_s).c_str(),
                format_duration(o.mean_step_time_s).c_str(), format_duration(o.migration_time_s).c_str(), o.num_migrations,
                o.mean_imbalance, rel, static_cast<int>(i) == st->best ? "  <- best" : "");
  }
  const auto& b = st->outcomes[st->best];
  if (b.every == 0) {
    std::printf("\n  best: static placement (no interval tried pays for its migrations)\n");
  } else {
    std::printf("\n  best: rebalance every %u step(s): %s total, %s (%.2f%%) less than static\n", b.every,
                format_duration(b.total_time_s).c_str(), format_duration(static_total - b.total_time_s).c_str(),
                static_total > 0 ? 100.0 * (static_total - b.total_time_s) / static_total : 0.0);
  }
  if (auto out = f.get("--out")) std::printf("  step times: %s\n", out->c_str());
  return 0;
}

}  // namespace moesim::cli
