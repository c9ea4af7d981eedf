// CPU reference of gating + top-k (plain, group-limited and node-limited), the contract
// written out in kernels/routing_types.h. Used by the simulator's routing models and the host
// profiler backend, and as the oracle the CUDA kernels are tested against.
// Thread-safety: reentrant; calls on disjoint outputs may run concurrently (e.g. one call per
// slice of tokens per thread).
#pragma once

#include <cstdint>

#include "kernels/routing_types.h"
#include "traces/status.h"

namespace moesim::kernels {

// logits: [num_tokens, num_experts] row-major; bias: [num_experts] or null (sigmoid only).
// Writes topk_idx / topk_weights: [num_tokens, top_k], each row in descending key order.
Status gating_topk(const float* logits, const float* bias, std::int64_t num_tokens,
                   const GatingConfig& config, std::int32_t* topk_idx, float* topk_weights);

}  // namespace moesim::kernels
