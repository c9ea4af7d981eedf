// CPU reference of permute (the dispatch layout) and unpermute (the weighted combine).
//
// permute copies token rows into expert-major order, stable in token order, with an optional
// per-expert capacity (the first `capacity` choices of each expert are kept, the rest dropped
// and counted, as Switch/GShard do). The layout arrays are described in
// kernels/routing_types.h (PermuteLayout). permuted_x needs room for num_tokens * top_k rows.
//
// unpermute gathers expert outputs back to token order:
//   out[t] = sum_{j < k, dest_row[t*k+j] >= 0} weights[t*k+j] * expert_out[dest_row[t*k+j]]
// accumulated in FP32 in j order (products and sums each rounded once, no FMA), then rounded
// to the output type; null weights mean 1. The CUDA kernel performs the same operations in the
// same order, so results agree bit for bit.
// Thread-safety: reentrant.
#pragma once

#include <cstdint>

#include "kernels/bf16.h"
#include "kernels/routing_types.h"
#include "traces/status.h"

namespace moesim::kernels {

Status permute(const float* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               float* permuted_x, const PermuteLayout& layout);
Status permute(const BFloat16* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               BFloat16* permuted_x, const PermuteLayout& layout);

Status unpermute(const float* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, float* out);
Status unpermute(const BFloat16* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, BFloat16* out);

}  // namespace moesim::kernels
