#include "kernels/cpu/histogram.h"

#include <algorithm>

#include "kernels/validate.h"

namespace moesim::kernels {

Status expert_histogram(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                        int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                        std::int32_t* num_tokens_per_expert, std::int32_t* num_tokens_per_gpu) {
  MOESIM_RETURN_IF_ERROR(validate_histogram(topk_idx, num_tokens, top_k, num_experts,
                                            expert_to_gpu, num_gpus, num_tokens_per_expert,
                                            num_tokens_per_gpu));
  std::fill_n(num_tokens_per_expert, num_experts, 0);
  if (num_tokens_per_gpu != nullptr) std::fill_n(num_tokens_per_gpu, num_gpus, 0);
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    const std::int32_t* row = topk_idx + t * top_k;
    for (int j = 0; j < top_k; ++j) {
      const std::int32_t e = row[j];
      if (e < 0 || e >= num_experts) continue;
      ++num_tokens_per_expert[e];
      if (expert_to_gpu == nullptr) continue;
      const std::int32_t gpu = expert_to_gpu[e];
      if (gpu < 0 || gpu >= num_gpus) continue;
      // Count the token once per GPU: skip if an earlier valid choice went to the same GPU.
      bool seen = false;
      for (int i = 0; i < j && !seen; ++i) {
        const std::int32_t earlier = row[i];
        seen = earlier >= 0 && earlier < num_experts && expert_to_gpu[earlier] == gpu;
      }
      if (!seen) ++num_tokens_per_gpu[gpu];
    }
  }
  return {};
}

}  // namespace moesim::kernels
