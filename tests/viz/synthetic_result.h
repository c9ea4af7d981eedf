// SYNTHETIC test fixtures for the visualiser: a SimResult built in code, shaped like what
// `moesim simulate` writes (rail-optimised cluster graph, contiguous placement with replicas of
// hot experts, Zipf-like expert load that grows more skewed over steps, per-GPU timelines of
// dense/gating/dispatch/expert/wait/combine), but with made-up numbers. It exists so the viz
// tests and the frame-time benchmark do not depend on the simulator; nothing here is a
// simulation result. Deterministic for given parameters. Thread-safe (pure function).
#pragma once

#include <cstdint>

#include "traces/proto/result.pb.h"

namespace moesim::viz::testing {

struct SyntheticShape {
  int nodes = 2;
  int gpus_per_node = 4;
  int experts = 16;
  int layers = 4;
  int steps = 6;
  int redundant_slots_per_gpu = 1;  // extra slots holding replicas of the hottest experts
  bool traffic = true;              // per-layer GPU x GPU traffic matrices
  int timeline_steps = -1;          // steps that get timeline events (-1 = all)
};

// Events the timeline of `shape` holds: gpus x timeline steps x layers x 6 kinds.
int64_t synthetic_timeline_events(const SyntheticShape& shape);

SimResult make_synthetic_result(const SyntheticShape& shape);

}  // namespace moesim::viz::testing
