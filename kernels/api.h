// CUDA launchers of the routing kernels (built only when MOESIM_CUDA is on; link
// moesim::kernels_cuda). The contract, including tie rules and rounding, is the CPU
// reference's (kernels/routing_types.h, kernels/cpu/*.h); these compute the same results on
// the GPU.
//
// Every launcher takes raw device pointers, sizes and a stream, checks its arguments on the
// host (same checks and messages as the CPU reference, kernels/validate.h), enqueues its
// kernels and returns without synchronising. Input errors and CUDA errors come back as a
// Status; nothing aborts. A launch with zero tokens is valid and enqueues only what is needed
// to leave the outputs well defined.
// Thread-safety: launchers hold no state; concurrent calls on different streams and disjoint
// buffers are safe.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "kernels/bf16.h"
#include "kernels/routing_types.h"
#include "traces/status.h"

namespace moesim::kernels::cuda {

// OK when at least one CUDA device is usable; otherwise why not (no driver, no device, ...).
Status device_available();

// logits [num_tokens, E] FP32, bias [E] or null; writes topk_idx / topk_weights [num_tokens, k].
// GPU limit: num_experts <= kMaxGatingExperts.
Status gating_topk(const float* logits, const float* bias, std::int64_t num_tokens,
                   const GatingConfig& config, std::int32_t* topk_idx, float* topk_weights,
                   cudaStream_t stream);

// Tokens per expert and (with expert_to_gpu) distinct tokens per GPU; see cpu/histogram.h.
Status expert_histogram(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                        int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                        std::int32_t* num_tokens_per_expert, std::int32_t* num_tokens_per_gpu,
                        cudaStream_t stream);

// Device scratch that permute needs for these sizes (pass at least this many bytes).
std::size_t permute_workspace_bytes(std::int64_t num_tokens, int top_k, int num_experts);

// See cpu/permute.h. permuted_x needs room for num_tokens * top_k rows. GPU limits:
// num_experts <= kMaxPermuteExperts, top_k <= kMaxCudaRowTopK.
Status permute(const float* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               float* permuted_x, const PermuteLayout& layout, void* workspace,
               std::size_t workspace_bytes, cudaStream_t stream);
Status permute(const BFloat16* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               BFloat16* permuted_x, const PermuteLayout& layout, void* workspace,
               std::size_t workspace_bytes, cudaStream_t stream);

// See cpu/permute.h; bit-identical to the CPU reference. GPU limit: top_k <= kMaxCudaRowTopK.
Status unpermute(const float* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, float* out,
                 cudaStream_t stream);
Status unpermute(const BFloat16* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, BFloat16* out,
                 cudaStream_t stream);

}  // namespace moesim::kernels::cuda
