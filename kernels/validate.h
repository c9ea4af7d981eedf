// Input checks shared by the CPU reference and the CUDA launchers, so both reject the same
// inputs with the same message before touching any memory. Each returns an Error naming the
// argument and the problem (e.g. "gating: top_k (9) > num_experts (8)").
// Device pointers are only checked for null; their extents are the caller's contract.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/routing_types.h"
#include "traces/status.h"

namespace moesim::kernels {

Status validate_gating(const GatingConfig& config, std::int64_t num_tokens, const float* logits,
                       const float* bias, const std::int32_t* topk_idx,
                       const float* topk_weights);

// `expert_to_gpu` and `num_tokens_per_gpu` go together (both null: no per-GPU histogram).
Status validate_histogram(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                          int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                          const std::int32_t* num_tokens_per_expert,
                          const std::int32_t* num_tokens_per_gpu);

Status validate_permute(const void* x, std::int64_t num_tokens, std::int64_t hidden,
                        std::size_t element_bytes, const std::int32_t* topk_idx, int top_k,
                        int num_experts, int capacity, const void* permuted_x,
                        const PermuteLayout& layout);

Status validate_unpermute(const void* expert_out, const std::int32_t* dest_row,
                          const float* weights, std::int64_t num_tokens, int top_k,
                          std::int64_t hidden, std::size_t element_bytes, const void* out);

}  // namespace moesim::kernels
