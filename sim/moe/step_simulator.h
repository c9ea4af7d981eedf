// The step simulator behind `moesim simulate`: MoE training and inference steps on a cluster.
//
// Per MoE layer and micro-batch (forward): dense work (attention, shared experts, gating) on
// every GPU -> dispatch all-to-all (tokens to the GPUs holding their experts, each token once
// per GPU) -> expert FFN on each GPU from the tokens it received (grouped GEMM) -> combine
// all-to-all, which no GPU can finish before the slowest GPU's experts are done: imbalance
// becomes straggling. Backward mirrors it with twice the compute and BF16 gradients both ways.
// Dense-only layers add their attention and FFN time. All DP replicas of the EP group run at
// once over the same fabric, so they contend for shared links. Collectives run on the flow or
// analytic network model in one simulated clock; the timeline records what every GPU did.
//
// Micro-batches of a step share its routing statistics: one is simulated in detail and the
// step costs micro_batches times it; with overlap, pairs of micro-batches hide the shorter of
// each layer's compute and communication (DualPipe-style two-micro-batch overlap).
// Thread-safety: one simulator per thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "traces/proto/result.pb.h"
#include "traces/proto/scenario.pb.h"
#include "traces/status.h"

namespace moesim {

struct SimulationOptions {
  bool record_traffic = false;   // store dispatch matrices of the first step in the result
  int timeline_steps = 1;        // steps whose per-GPU timeline is recorded
  // Called after each step with (steps done, steps total).
  std::function<void(int, int)> progress;
};

class StepSimulatorImpl;

class StepSimulator {
 public:
  // Validates the scenario and builds the topology, routing model and initial placement.
  // `source` names the scenario in error messages.
  static Result<std::unique_ptr<StepSimulator>> create(const Scenario& scenario, const std::string& source,
                                                      const SimulationOptions& options = {});
  ~StepSimulator();

  Result<SimResult> run();

 private:
  explicit StepSimulator(std::unique_ptr<StepSimulatorImpl> impl);
  std::unique_ptr<StepSimulatorImpl> impl_;
};

}  // namespace moesim
