// CPU reference of the expert histogram: how many choices each expert receives and, under a
// placement (expert -> GPU map), how many distinct tokens each GPU receives. A token that
// picks several experts on one GPU counts once for that GPU, because dispatch sends it once.
// Indices outside [0, num_experts) (e.g. -1 for "no expert") and GPUs outside [0, num_gpus)
// are skipped, never read out of bounds.
// Thread-safety: reentrant.
#pragma once

#include <cstdint>

#include "traces/status.h"

namespace moesim::kernels {

// topk_idx: [num_tokens, top_k]. Writes num_tokens_per_expert[num_experts] and, when
// expert_to_gpu[num_experts] is given, num_tokens_per_gpu[num_gpus] (both overwritten).
Status expert_histogram(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                        int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                        std::int32_t* num_tokens_per_expert, std::int32_t* num_tokens_per_gpu);

}  // namespace moesim::kernels
