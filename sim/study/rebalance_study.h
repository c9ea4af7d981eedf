// Rebalancing study behind `moesim rebalance`: one scenario simulated with a static placement
// and with re-placement every K steps, each run charged its migration, so that the interval
// that minimises the total training time can be read off.
//
// Every strategy is the same scenario with placement.rebalance_every = K (0 = static) run by
// the step simulator, so a re-plan uses the loads seen since the previous plan (a forecast of
// the next window from the last one) and its migration (expert weights, and in training the
// FP32 master copy and Adam moments) is simulated as a direct all-to-all and added to the step
// after which it happens.
//
// Step weight: an expert-load log often holds snapshots taken every W training iterations
// (the SmartMoE trace: every 10). Simulated step s then stands for W iterations with the same
// routing, and a rebalance every K simulated steps is a rebalance every K x W iterations. The
// training time is therefore
//     total = sum_s W * (step_time_s - migration_s) + sum_s migration_s
// (migration happens once per rebalance, not once per iteration). W = 1 reads the steps as
// iterations.
//
// Thread-safety: pure functions; each strategy builds its own simulator (so strategies can run
// on separate threads, RebalanceOptions::jobs).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "traces/proto/scenario.pb.h"
#include "traces/status.h"

namespace moesim::study {

struct RebalanceOutcome {
  std::string name;              // "static" or "every K"
  uint32_t every = 0;            // K; 0 = static
  double total_time_s = 0;       // training time of all steps, W-weighted, migration included
  double mean_step_time_s = 0;   // total / (steps x W): per training iteration
  double migration_time_s = 0;   // total of all migrations
  int num_migrations = 0;        // rebalances that moved at least one expert
  double mean_imbalance = 0;     // tokens per GPU max/mean, mean over steps and MoE layers
  std::vector<double> step_time_s;  // per simulated step, migration included (unweighted)
};

struct RebalanceStudy {
  std::vector<RebalanceOutcome> outcomes;  // static first, then the intervals in given order
  int best = 0;                            // index of the lowest total time (first on ties)
  int steps = 0;
  double step_weight = 1;
};

struct RebalanceOptions {
  std::vector<uint32_t> intervals;  // K values (>= 1); static is always included
  double step_weight = 1;           // W, training iterations per simulated step (>= 1)
  int jobs = 1;                     // strategies simulated at once (threads); results do not depend on it
  // Called after each simulated step with (steps done, steps total) over all strategies; with
  // jobs > 1 from several threads, one call at a time.
  std::function<void(long, long)> progress;
};

// The --auto interval set: 1, 2, 5, 10, 20, 50, 100, 200, ... below `steps` (a rebalance after
// the last step would never be used, so K < steps).
std::vector<uint32_t> auto_intervals(uint32_t steps);

// Parses "1,2,5" into intervals; errors name `flag` and the bad item.
Result<std::vector<uint32_t>> parse_intervals(const std::string& list, const std::string& flag);

// Runs static and every interval. The scenario's own rebalance_every is ignored. Errors: the
// scenario is invalid (message names `source` and the field), or an interval is 0.
Result<RebalanceStudy> run_rebalance_study(const Scenario& scenario, const std::string& source,
                                           const RebalanceOptions& options);

// Step times as CSV: "step,<name>,<name>,..." then one row per simulated step (seconds,
// migration included, unweighted).
std::string rebalance_steps_csv(const RebalanceStudy& study);

// The study as JSON (strategies, the best K, its saving over static).
std::string rebalance_json(const RebalanceStudy& study);

}  // namespace moesim::study
