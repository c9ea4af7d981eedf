// CUDA expert histogram: one thread per token. Counts gather in shared memory per block (when
// they fit) and are added to the global counters once per block, which keeps 100k+ atomics on
// a few hundred counters from serialising in L2.
#include <algorithm>
#include <cstdint>

#include "kernels/api.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/static_switch.h"
#include "kernels/validate.h"

namespace moesim::kernels::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxBlocks = 1024;
constexpr int kMaxSharedCounters = 8192;  // 32 KiB of int counters

template <bool kShared>
__global__ void __launch_bounds__(kThreads)
    histogram_kernel(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                     int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                     std::int32_t* per_expert, std::int32_t* per_gpu) {
  extern __shared__ int counters[];  // [num_experts] then [num_gpus] when kShared
  int* expert_counts = kShared ? counters : per_expert;
  int* gpu_counts = kShared ? counters + num_experts : per_gpu;
  const bool with_gpus = expert_to_gpu != nullptr;
  if (kShared) {
    for (int i = threadIdx.x; i < num_experts + (with_gpus ? num_gpus : 0); i += blockDim.x) {
      counters[i] = 0;
    }
    __syncthreads();
  }
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t t = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       t < num_tokens; t += stride) {
    const std::int32_t* row = topk_idx + t * top_k;
    for (int j = 0; j < top_k; ++j) {
      const std::int32_t e = row[j];
      if (e < 0 || e >= num_experts) continue;
      atomicAdd(expert_counts + e, 1);
      if (!with_gpus) continue;
      const std::int32_t gpu = expert_to_gpu[e];
      if (gpu < 0 || gpu >= num_gpus) continue;
      bool seen = false;  // a token counts once per GPU, as in the CPU reference
      for (int i = 0; i < j && !seen; ++i) {
        const std::int32_t earlier = row[i];
        seen = earlier >= 0 && earlier < num_experts && expert_to_gpu[earlier] == gpu;
      }
      if (!seen) atomicAdd(gpu_counts + gpu, 1);
    }
  }
  if (kShared) {
    __syncthreads();
    for (int i = threadIdx.x; i < num_experts; i += blockDim.x) {
      if (counters[i] != 0) atomicAdd(per_expert + i, counters[i]);
    }
    if (with_gpus) {
      for (int i = threadIdx.x; i < num_gpus; i += blockDim.x) {
        if (counters[num_experts + i] != 0) atomicAdd(per_gpu + i, counters[num_experts + i]);
      }
    }
  }
}

}  // namespace

Status expert_histogram(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                        int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                        std::int32_t* num_tokens_per_expert, std::int32_t* num_tokens_per_gpu,
                        cudaStream_t stream) {
  MOESIM_RETURN_IF_ERROR(validate_histogram(topk_idx, num_tokens, top_k, num_experts,
                                            expert_to_gpu, num_gpus, num_tokens_per_expert,
                                            num_tokens_per_gpu));
  CUDA_CHECK(cudaMemsetAsync(num_tokens_per_expert, 0, sizeof(std::int32_t) * num_experts,
                             stream));
  const bool with_gpus = expert_to_gpu != nullptr;
  if (with_gpus) {
    CUDA_CHECK(cudaMemsetAsync(num_tokens_per_gpu, 0, sizeof(std::int32_t) * num_gpus, stream));
  }
  if (num_tokens == 0) return {};
  const std::int64_t counters =
      static_cast<std::int64_t>(num_experts) + (with_gpus ? num_gpus : 0);
  const bool shared = counters <= kMaxSharedCounters;
  const int blocks =
      static_cast<int>(std::min<std::int64_t>((num_tokens + kThreads - 1) / kThreads, kMaxBlocks));
  const std::size_t shared_bytes = shared ? sizeof(int) * counters : 0;
  BOOL_SWITCH(shared, kShared, [&] {
    histogram_kernel<kShared><<<blocks, kThreads, shared_bytes, stream>>>(
        topk_idx, num_tokens, top_k, num_experts, expert_to_gpu, num_gpus,
        num_tokens_per_expert, num_tokens_per_gpu);
  });
  CUDA_CHECK(cudaGetLastError());
  return {};
}

}  // namespace moesim::kernels::cuda
