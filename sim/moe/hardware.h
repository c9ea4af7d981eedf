// GPU compute figures and the compute-time model of the step simulator.
//
// Presets cite their public sources in hardware.cc. Achieved throughput is modelled as a
// fraction of peak: dense/attention work at `dense_efficiency`, and a grouped expert GEMM at
//   eff(t) = max_gemm_efficiency * t / (t + half_efficiency_tokens)
// for t tokens per expert (small GEMMs are inefficient), bounded below by the time to stream
// the expert's weights from HBM. A calibration (`moeprof fit`) replaces these figures.
// Thread-safety: pure functions over plain values.
#pragma once

#include <string>
#include <vector>

#include "sim/core/sim_time.h"
#include "traces/proto/scenario.pb.h"
#include "traces/status.h"

namespace moesim {

struct HardwarePreset {
  const char* name;
  const char* description;
  HardwareSpec spec;
};

const std::vector<HardwarePreset>& hardware_presets();

// Fills unset (zero) fields of `spec` from the preset named by spec.name() (default "h100").
Result<HardwareSpec> resolve_hardware(const HardwareSpec& spec, const std::string& source);

// Time of a grouped GEMM over experts with the given token counts, each expert of
// `flops_per_token` FLOPs and `weight_bytes` of weights (read once per expert with tokens).
// `passes` scales both (1 forward, 2 backward: input and weight gradients).
Seconds grouped_gemm_time(const HardwareSpec& hw, const double* tokens_per_expert, int num_experts,
                          double flops_per_token, double weight_bytes, double passes);

// Time of dense work: max(FLOPs / (peak * dense_efficiency), bytes / HBM) + one launch.
Seconds dense_time(const HardwareSpec& hw, double flops, double bytes);

}  // namespace moesim
